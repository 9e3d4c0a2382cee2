// Runs the bundled Electron main process (dist/electron/main.js, built as `npm run
// build:electron` builds it) in plain Node against a recording stand-in for the
// `electron` module (test/fixtures/fake-electron) — the tests run without the
// Electron binary — and the REAL AppService and engine. It checks the shell's wiring:
// privileged scheme, sandbox, window options, app:// serving, hardening, one IPC
// handler per contract channel with sender and payload checks, progress relay, lock on
// screen lock, vault closed on quit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { cp, mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { IPC_CHANNEL_NAMES } from '../src-shared/contract/ipc.ts';
import { bundleElectron } from '../src-main/electron/build/bundle.ts';
import { CONTENT_SECURITY_POLICY } from '../src-main/electron/csp.ts';
import { mainWindowOptions } from '../src-main/electron/window-options.ts';
import { makeTempDir, REPO_ROOT } from './helpers/fixtures.ts';

const run = promisify(execFile);
/** Directory links that need no privilege on Windows. */
const LINK = process.platform === 'win32' ? 'junction' : 'dir';

const DRIVER = String.raw`
const { fake, app, powerMonitor } = await import('electron');
await import('./dist/electron/main.js');
const tick = (ms = 20) => new Promise((r) => setTimeout(r, ms));
await tick();
const out = {};
const win = fake.windows[0];
const contents = win.webContents;
out.privileged = fake.privileged;
out.sandbox = fake.sandboxEnabled;
out.windowCount = fake.windows.length;
out.windowOptions = win.options;
out.loadedUrl = contents.url;
out.menu = fake.menu.template.map((item) => item.role);
out.channels = [...fake.ipcHandlers.keys()];

const good = { sender: { id: contents.id }, senderFrame: { url: 'app://sealsight/index.html', parent: null } };
const foreign = { sender: { id: contents.id }, senderFrame: { url: 'https://evil.example/', parent: null } };
const otherContents = { sender: { id: 999 }, senderFrame: { url: 'app://sealsight/index.html', parent: null } };
const call = (channel, event, payload) => fake.ipcHandlers.get(channel)(event, payload);
out.info = await call('app:info', good, {});
out.picked = await call('dialog:choose-folder', good, { purpose: 'import' });
out.cancelled = await call('dialog:choose-folder', good, { purpose: 'vault' });
out.dialogs = fake.dialogs;
out.foreignSender = await call('vault:status', foreign, {});
out.otherContents = await call('vault:status', otherContents, {});
out.malformed = await call('vault:create', good, { dir: process.env.VAULT_DIR });
out.created = await call('vault:create', good, { dir: process.env.VAULT_DIR, passphrase: 'main process test' });
out.imported = await call('import:run', good, { jobId: 'main-test-import', folder: process.env.SAMPLES_DIR,
  labelsFromFolders: true, threshold: 100 });
out.progressChannels = [...new Set(contents.sent.map(([channel]) => channel))];
out.lastProgress = contents.sent.at(-1)?.[1];
powerMonitor.emit('lock-screen');
await tick(300);
out.afterScreenLock = await call('vault:status', good, {});

const serve = fake.protocolHandlers.get('app');
const page = await serve({ url: 'app://sealsight/index.html', method: 'GET' });
out.page = { status: page.status, csp: page.headers.get('content-security-policy'), body: await page.text() };
out.traversal = (await serve({ url: 'app://sealsight/..%2f..%2fpackage.json', method: 'GET' })).status;

const h = fake.session.handlers;
let granted = null;
h.permissionRequest(contents, 'media', (g) => { granted = g; });
out.permissionGranted = granted;
let remote = null;
h.beforeRequest({ url: 'https://cdn.example/x.js' }, (r) => { remote = r; });
out.remoteRequest = remote;
out.spellcheck = fake.session.spellcheck;
out.windowOpen = contents.windowOpenHandler({ url: 'https://evil.example/' });
const nav = { prevented: false, preventDefault() { this.prevented = true; } };
contents.emit('will-navigate', nav, 'https://evil.example/');
out.navigationPrevented = nav.prevented;
const webview = { prevented: false, preventDefault() { this.prevented = true; } };
contents.emit('will-attach-webview', webview);
out.webviewPrevented = webview.prevented;

await call('vault:unlock', good, { dir: process.env.VAULT_DIR, passphrase: 'main process test' });
app.emit('second-instance');
out.focusedOnSecondInstance = win.focused;
app.quit();
await tick(300);
out.quitCalls = fake.quitCalls;
out.afterQuit = await call('vault:status', good, {});
console.log(JSON.stringify(out));
`;

let temp: Awaited<ReturnType<typeof makeTempDir>>;
let out: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

beforeAll(async () => {
  temp = await makeTempDir('sealsight-main-');
  const appDir = path.join(temp.dir, 'app');
  // The packaged app's layout, with the stand-in in place of node_modules/electron.
  await bundleElectron({ repoRoot: REPO_ROOT, outDir: path.join(appDir, 'dist', 'electron') });
  await writeFile(path.join(appDir, 'package.json'), '{ "type": "module", "version": "0.1.0" }\n');
  await mkdir(path.join(appDir, 'dist', 'renderer'), { recursive: true });
  await writeFile(path.join(appDir, 'dist', 'renderer', 'index.html'), '<title>SealSight</title>');
  await symlink(path.join(REPO_ROOT, 'assets'), path.join(appDir, 'assets'), LINK);
  const modules = path.join(appDir, 'node_modules');
  await mkdir(modules);
  for (const name of await readdir(path.join(REPO_ROOT, 'node_modules'))) {
    if (name === 'electron' || name.startsWith('.')) continue;
    await symlink(path.join(REPO_ROOT, 'node_modules', name), path.join(modules, name), LINK);
  }
  await cp(
    path.join(REPO_ROOT, 'test', 'fixtures', 'fake-electron'),
    path.join(modules, 'electron'),
    {
      recursive: true,
    },
  );
  const samples = path.join(temp.dir, 'samples', 'crazing');
  await mkdir(samples, { recursive: true });
  const from = path.join(REPO_ROOT, 'assets', 'samples', 'neu-cls', 'crazing');
  const [first] = (await readdir(from)).sort();
  await cp(path.join(from, first!), path.join(samples, first!));
  await writeFile(path.join(appDir, 'driver.mjs'), DRIVER);
  const { stdout } = await run(process.execPath, [path.join(appDir, 'driver.mjs')], {
    cwd: appDir,
    timeout: 180_000,
    env: {
      ...process.env,
      FAKE_ELECTRON_USER_DATA: path.join(temp.dir, 'user-data'),
      FAKE_ELECTRON_APP_PATH: appDir,
      VAULT_DIR: path.join(temp.dir, 'vault'),
      SAMPLES_DIR: path.join(temp.dir, 'samples'),
      FAKE_ELECTRON_PICK: path.join(temp.dir, 'picked'),
    },
  });
  out = JSON.parse(stdout.trim().split('\n').at(-1)!);
}, 240_000);
afterAll(() => temp.cleanup());

describe('bundled main process (stand-in Electron, real AppService)', () => {
  it('registers app:// as privileged and enables the sandbox before ready', () => {
    expect(out.privileged).toEqual([
      expect.objectContaining({
        scheme: 'app',
        privileges: expect.objectContaining({ standard: true, secure: true, bypassCSP: false }),
      }),
    ]);
    expect(out.sandbox).toBe(true);
  });

  it('opens one window with the checked options and the bundled preload, at app://', () => {
    expect(out.windowCount).toBe(1);
    const preload = out.windowOptions.webPreferences.preload as string;
    expect(preload.endsWith(path.join('dist', 'electron', 'preload.cjs'))).toBe(true);
    expect(out.windowOptions.webPreferences).toEqual(
      mainWindowOptions({ preloadPath: preload, devTools: false }).webPreferences,
    );
    expect(out.loadedUrl).toBe('app://sealsight/index.html');
    expect(out.menu).not.toContain('viewMenu'); // no reload/DevTools when packaged
  });

  it('handles exactly the contract channels, refusing foreign senders and bad payloads', () => {
    expect(out.channels.sort()).toEqual([...IPC_CHANNEL_NAMES].sort());
    expect(out.info).toMatchObject({ ok: true, value: { version: '0.1.0' } });
    expect(out.foreignSender).toEqual({
      ok: false,
      error: {
        code: 'invalid-request',
        message: 'vault:status: refused, the sender is not the app:// page',
      },
    });
    expect(out.otherContents.ok).toBe(false);
    expect(out.malformed).toMatchObject({
      ok: false,
      error: {
        code: 'invalid-request',
        message: expect.stringMatching(/^vault:create: invalid request/),
      },
    });
  });

  it('answers dialog:choose-folder with the OS dialog attached to the window', () => {
    expect(out.info.value.folderPicker).toBe(true);
    expect(out.picked).toEqual({ ok: true, value: { path: path.join(temp.dir, 'picked') } });
    expect(out.cancelled).toEqual({ ok: true, value: { path: null } });
    expect(out.dialogs).toEqual([
      {
        parentIsWindow: true,
        options: expect.objectContaining({ properties: ['openDirectory'] }),
      },
      {
        parentIsWindow: true,
        options: expect.objectContaining({ properties: ['openDirectory', 'createDirectory'] }),
      },
    ]);
  });

  it('runs real work through the service and relays its progress to the window', () => {
    expect(out.created).toMatchObject({ ok: true, value: { state: 'unlocked' } });
    expect(out.imported).toMatchObject({ ok: true, value: { imported: 1, failed: [] } });
    expect(out.progressChannels).toEqual(['job:progress']);
    expect(out.lastProgress).toMatchObject({ jobId: 'main-test-import', kind: 'import' });
  });

  it('locks the vault when the screen locks', () => {
    expect(out.afterScreenLock).toMatchObject({ ok: true, value: { state: 'locked' } });
  });

  it('serves the renderer with the CSP and refuses traversal', () => {
    expect(out.page).toEqual({
      status: 200,
      csp: CONTENT_SECURITY_POLICY,
      body: '<title>SealSight</title>',
    });
    expect(out.traversal).toBe(403);
  });

  it('hardens the session and the window contents', () => {
    expect(out.permissionGranted).toBe(false);
    expect(out.remoteRequest).toEqual({ cancel: true });
    expect(out.spellcheck).toBe(false);
    expect(out.windowOpen).toEqual({ action: 'deny' });
    expect(out.navigationPrevented).toBe(true);
    expect(out.webviewPrevented).toBe(true);
  });

  it('focuses the window for a second instance and closes the vault on quit', () => {
    expect(out.focusedOnSecondInstance).toBe(1);
    expect(out.quitCalls).toBe(2); // once held for dispose, once for real
    expect(out.afterQuit).toMatchObject({ ok: true, value: { state: 'locked' } });
  });
});
