// The engine's public API: a plain Node library (never Electron) used by the CLI,
// the Electron shell, tests and benchmarks.
export {
  assertIsVault,
  initVault,
  openVault,
  UnlockedVault,
  VaultError,
  HEADER_FILE,
} from './vault/vault.ts';
export type { InitVaultOptions, CkksKeyset } from './vault/vault.ts';
export { importFolder, importFolderWithLayout, DEFAULT_MAX_PIXELS } from './vault/import-folder.ts';
export { LANES_MIN_IMAGES, LAYOUT_CHOICES } from './sealed/layouts/layout.ts';
export type { Layout, LayoutChoice } from './sealed/layouts/layout.ts';
export type {
  ImportOptions,
  ImportProgress,
  ImportReport,
  ImportFailure,
} from './vault/import-folder.ts';
export {
  listImages,
  getImage,
  decryptOriginal,
  exportOriginal,
  decryptChunkGrid,
} from './vault/read-image.ts';
export { verifyVault } from './vault/verify-vault.ts';
export { CATALOGUE_FILE } from './vault/catalogue/index.ts';
export { classifyVault, readClassifications } from './vault/classify.ts';
export type {
  ClassifyOptions,
  ClassifyProgress,
  ClassifyReport,
  StoredClassification,
} from './vault/classify.ts';
export { localEvaluation } from './sealed/inference/evaluation-backend.ts';
export type { EvaluationBackend } from './sealed/inference/evaluation-backend.ts';
export { loadModel, parseModel, serializeModel } from './sealed/model/model-file.ts';
export type { LoadedModel, ModelFile } from './sealed/model/model-file.ts';
export {
  OBFUSCATION_CONDITIONS,
  createObfuscator,
  generateObfuscationKey,
} from './obfuscated/arnold-xor.ts';
export type { ObfuscationCondition, Obfuscator } from './obfuscated/arnold-xor.ts';
export { barChartSvg, heatmapSvg, histogramSvg, lineChartSvg } from './report/charts.ts';
export { analyzeObfuscation, TIER_LABEL } from './obfuscated/analysis/security-report.ts';
export type { SecurityReport } from './obfuscated/analysis/security-report.ts';
export {
  formatSecurityReport,
  securityCharts,
} from './obfuscated/analysis/security-report-output.ts';
export { loadSquareImages } from './obfuscated/analysis/load-square-images.ts';
