// The typed IPC contract between the renderer and the main side (Electron's ipcMain
// handlers and the plain-Node preview server both implement it over the same
// AppService), in one import: the features' channel files, the assembled channel table
// (channels.ts) and window.api (window-api.ts). Pure TypeScript + zod: no Node, no DOM,
// no Electron.
//
// Rules the schemas enforce (see src-main/app/renderer-boundary.ts for the main side):
// - Every request and response object is strict: an unknown field is an error, so a
//   key, a passphrase or a file path the renderer was not meant to see cannot ride
//   along in a response by accident.
// - Passphrases only travel renderer → main (vault:create, vault:unlock), and so does a
//   farm's broker password (evaluation:set). No response carries a passphrase, a
//   password, a key, or decrypted pixels other than display thumbnails (PNG data URLs
//   made in memory, never written to disk).
// - Long jobs (import, classify, train, search) take a renderer-chosen jobId, resolve
//   with their final report, and stream ProgressEvents with that jobId meanwhile;
//   `job:cancel` stops one.
export * from './common-schemas.ts';
export * from './app-channels.ts';
export * from './vault-channels.ts';
export * from './image-channels.ts';
export * from './classify-channels.ts';
export * from './evaluation-setting.ts';
export * from './review-channels.ts';
export * from './model-channels.ts';
export * from './search-channels.ts';
export * from './security-channels.ts';
export * from './job-channels.ts';
export * from './channels.ts';
export * from './window-api.ts';
