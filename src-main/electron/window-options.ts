// The main window's options as pure data, so the security settings are reviewable in
// one place and asserted by a unit test without the Electron binary. Only a type is
// imported from Electron (erased at run time).
import type { BrowserWindowConstructorOptions, WebPreferences } from 'electron';

export interface WindowOptionsInput {
  /** Absolute path of the bundled preload (dist/electron/preload.cjs). */
  readonly preloadPath: string;
  /** DevTools only in development (`!app.isPackaged`). */
  readonly devTools: boolean;
  /** Window icon (Linux/Windows taskbar); macOS takes it from the bundle. */
  readonly iconPath?: string;
}

/**
 * Electron's security checklist, item by item. Every renderer is sandboxed, isolated from
 * the preload's world, without Node, and sees nothing but the `window.api` bridge.
 */
export function secureWebPreferences(input: WindowOptionsInput): WebPreferences {
  return {
    preload: input.preloadPath,
    // Isolation: the page cannot reach the preload's globals or Node.
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    // Web platform defences stay on; no mixed or experimental content.
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    // No <webview>, no plugins, no drag-and-drop navigation, no spell-check dictionaries
    // (which Chromium would otherwise download).
    webviewTag: false,
    plugins: false,
    navigateOnDragDrop: false,
    spellcheck: false,
    enableWebSQL: false,
    // A page cannot flood the user with alert() dialogs.
    safeDialogs: true,
    autoplayPolicy: 'document-user-activation-required',
    devTools: input.devTools,
  };
}

export function mainWindowOptions(input: WindowOptionsInput): BrowserWindowConstructorOptions {
  return {
    title: 'SealSight',
    width: 1280,
    height: 820,
    minWidth: 960,
    minHeight: 640,
    // Shown on 'ready-to-show' so the user never sees an unstyled flash.
    show: false,
    backgroundColor: '#0f172a',
    autoHideMenuBar: true,
    ...(input.iconPath === undefined ? {} : { icon: input.iconPath }),
    webPreferences: secureWebPreferences(input),
  };
}
