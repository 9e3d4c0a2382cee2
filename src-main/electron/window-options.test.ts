import { describe, expect, it } from 'vitest';
import { mainWindowOptions, secureWebPreferences } from './window-options.ts';

const input = { preloadPath: '/app/dist/electron/preload.cjs', devTools: false };

describe('window options', () => {
  it('enforces every item of the security checklist', () => {
    const prefs = secureWebPreferences(input);
    expect(prefs).toEqual({
      preload: '/app/dist/electron/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      plugins: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      enableWebSQL: false,
      safeDialogs: true,
      autoplayPolicy: 'document-user-activation-required',
      devTools: false,
    });
    // Options that would re-open a hole must be absent, not merely falsy.
    expect(prefs).not.toHaveProperty('enableBlinkFeatures');
    expect(prefs).not.toHaveProperty('additionalArguments');
    expect(prefs).not.toHaveProperty('partition');
  });

  it('allows DevTools only when asked (development)', () => {
    expect(secureWebPreferences({ ...input, devTools: true }).devTools).toBe(true);
  });

  it('builds the main window around those preferences, hidden until ready', () => {
    const options = mainWindowOptions({ ...input, iconPath: '/app/assets/icons/png/512x512.png' });
    expect(options.show).toBe(false);
    expect(options.icon).toBe('/app/assets/icons/png/512x512.png');
    expect(options.webPreferences).toEqual(secureWebPreferences(input));
    expect(mainWindowOptions(input)).not.toHaveProperty('icon');
  });
});
