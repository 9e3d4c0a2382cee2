// The Electron main process: a thin shell around the AppService (src-main/app). It owns
// the window, the app:// protocol, the security handlers and the IPC wiring; all work is
// done by the service, whose heavy parts (import, HE inference, training) run in worker
// threads, so this process only routes messages. See README, "Installing and starting
// the app", and src-main/electron/*.ts for each security measure (unit-tested there).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  powerMonitor,
  protocol,
  session,
} from 'electron';
import type { MenuItemConstructorOptions, OpenDialogOptions } from 'electron';
import { createAppService } from '../app/app-service.ts';
import {
  APP_ENTRY_URL,
  APP_SCHEME,
  APP_SCHEME_PRIVILEGES,
  serveAppRequest,
} from './app-protocol.ts';
import { hardenSession, hardenWebContents } from './hardening.ts';
import { createIpcRouter, createProgressRelay } from './ipc-router.ts';
import { mainWindowOptions } from './window-options.ts';

/** dist/electron inside the app (app.asar when packaged, the repo in development). */
const BUNDLE_DIR = path.dirname(fileURLToPath(import.meta.url));
const APP_ROOT = app.getAppPath();
const RENDERER_DIR = path.join(APP_ROOT, 'dist', 'renderer');
const PRELOAD = path.join(BUNDLE_DIR, 'preload.cjs');
const SHIPPED_MODEL = path.join(APP_ROOT, 'assets', 'models', 'neu-chunk-cnn.json');
const WINDOW_ICON = path.join(APP_ROOT, 'assets', 'icons', 'png', '512x512.png');

const warn = (message: string): void => console.warn(`[sealsight] ${message}`);

// Both must happen before 'ready'.
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: APP_SCHEME_PRIVILEGES }]);
app.enableSandbox();

if (app.requestSingleInstanceLock()) {
  start();
} else {
  // Another SealSight is running and has been told to come forward (second-instance).
  app.quit();
}

function start(): void {
  let mainWindow: BrowserWindow | null = null;
  const liveWindow = (): BrowserWindow | null =>
    mainWindow !== null && !mainWindow.isDestroyed() ? mainWindow : null;

  const service = createAppService({
    stateDir: app.getPath('userData'),
    shippedModelFile: SHIPPED_MODEL,
    // dialog:choose-folder: the OS's own folder dialog, attached to our window. Only the
    // path the user picked goes back; the renderer never browses the file system.
    chooseFolder: async (purpose) => {
      const options = folderDialogOptions(purpose);
      const window = liveWindow();
      const result = window
        ? await dialog.showOpenDialog(window, options)
        : await dialog.showOpenDialog(options);
      return result.canceled ? null : (result.filePaths[0] ?? null);
    },
  });

  // One handler per contract channel; the router checks sender, channel and payload.
  const router = createIpcRouter({
    service,
    trustedWebContentsIds: () => {
      const window = liveWindow();
      return new Set(window ? [window.webContents.id] : []);
    },
    warn,
  });
  for (const channel of router.channels) {
    ipcMain.handle(channel, (event, payload: unknown) => router.invoke(channel, event, payload));
  }
  const stopProgress = service.onProgress(
    createProgressRelay(() => {
      const window = liveWindow();
      return window ? [window.webContents] : [];
    }),
  );

  // Every webContents, whatever creates it, gets navigation / window / webview denial.
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, warn));

  app.on('second-instance', () => {
    const window = liveWindow();
    if (!window) return;
    if (window.isMinimized()) window.restore();
    window.focus();
  });

  // Closing the window ends the app on every platform: the vault is locked (dispose)
  // rather than left open behind a dock icon.
  app.on('window-all-closed', () => app.quit());
  let disposed = false;
  app.on('will-quit', (event) => {
    if (disposed) return;
    event.preventDefault();
    disposed = true;
    stopProgress();
    void service
      .dispose()
      .catch((error: unknown) => warn(`closing the vault failed: ${String(error)}`))
      .finally(() => app.quit());
  });

  void app.whenReady().then(() => {
    hardenSession(session.defaultSession, warn);
    protocol.handle(APP_SCHEME, (request) => serveAppRequest(request, RENDERER_DIR));
    Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate()));

    // The service locks itself after idle time; the OS locking the screen or sleeping
    // locks it at once.
    const lockVault = (why: string) => () => {
      service.handle('vault:lock', {}).catch((error: unknown) => {
        warn(`locking the vault on ${why} failed: ${String(error)}`);
      });
    };
    powerMonitor.on('lock-screen', lockVault('screen lock'));
    powerMonitor.on('suspend', lockVault('suspend'));

    mainWindow = createMainWindow();
    app.on('activate', () => {
      if (!liveWindow()) mainWindow = createMainWindow();
    });
  });
}

function createMainWindow(): BrowserWindow {
  const window = new BrowserWindow(
    mainWindowOptions({
      preloadPath: PRELOAD,
      devTools: !app.isPackaged,
      ...(process.platform === 'linux' ? { iconPath: WINDOW_ICON } : {}),
    }),
  );
  window.once('ready-to-show', () => window.show());
  window.webContents.on('render-process-gone', (_event, details) => {
    warn(`renderer process gone (${details.reason})`);
  });
  void window.loadURL(APP_ENTRY_URL);
  return window;
}

function folderDialogOptions(purpose: 'vault' | 'import'): OpenDialogOptions {
  return purpose === 'vault'
    ? {
        title: 'Choose the vault folder',
        buttonLabel: 'Use this folder',
        properties: ['openDirectory', 'createDirectory'],
      }
    : {
        title: 'Choose a folder of images to import',
        buttonLabel: 'Import this folder',
        properties: ['openDirectory'],
      };
}

/** Edit shortcuts (copy/paste) need a menu on macOS; reload/DevTools only in development. */
function menuTemplate(): MenuItemConstructorOptions[] {
  return [
    ...(process.platform === 'darwin' ? [{ role: 'appMenu' as const }] : []),
    { role: 'editMenu' },
    ...(app.isPackaged ? [] : [{ role: 'viewMenu' as const }]),
    { role: 'windowMenu' },
  ];
}
