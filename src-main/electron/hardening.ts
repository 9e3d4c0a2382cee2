// Session- and webContents-level defences, applied to every webContents the app creates
// (app.on('web-contents-created')) and to the default session. Written against Electron's
// types but importing nothing at run time, so the handlers are unit-tested with fakes.
import type { Session, WebContents } from 'electron';
import { withSecurityHeaders } from './csp.ts';
import { isAppUrl } from './sender-validation.ts';

/**
 * URLs a renderer request may go to: our own app:// files, in-memory data:/blob: images,
 * and DevTools' own pages (only reachable when DevTools are enabled, in development).
 * Everything else — http(s), ws, file:, ftp — is cancelled: the app never loads remote
 * or local-file content into a renderer.
 */
export function isAllowedRequestUrl(url: string): boolean {
  if (isAppUrl(url)) return true;
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    return false;
  }
  return protocol === 'data:' || protocol === 'blob:' || protocol === 'devtools:';
}

type Warn = (message: string) => void;

/** Denies navigation, new windows and <webview> for one webContents. */
export function hardenWebContents(contents: WebContents, warn: Warn): void {
  const denyNavigation = (event: { preventDefault(): void }, url: string): void => {
    event.preventDefault();
    warn(`blocked navigation to ${describeUrl(url)}`);
  };
  contents.on('will-navigate', denyNavigation);
  // Sub-frames too (the CSP already forbids frames; this is the second lock).
  contents.on('will-frame-navigate', (details) => {
    if (!details.isMainFrame) denyNavigation(details, details.url);
  });
  contents.on('will-redirect', denyNavigation);
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    warn('blocked a <webview>');
  });
  contents.setWindowOpenHandler(({ url }) => {
    warn(`blocked a new window for ${describeUrl(url)}`);
    return { action: 'deny' };
  });
}

/** Denies every permission, cancels remote requests and adds the CSP to every response. */
export function hardenSession(session: Session, warn: Warn): void {
  session.setPermissionRequestHandler((_contents, permission, callback) => {
    warn(`denied permission request "${permission}"`);
    callback(false);
  });
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
  // No display-media handler is set: Electron's default refuses getDisplayMedia.
  session.setSpellCheckerEnabled(false);
  session.webRequest.onBeforeRequest((details, callback) => {
    const allowed = isAllowedRequestUrl(details.url);
    if (!allowed) warn(`cancelled a request to ${describeUrl(details.url)}`);
    callback({ cancel: !allowed });
  });
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: withSecurityHeaders(details.responseHeaders) });
  });
}

/** Scheme and host only: a URL's path or query could carry user data. */
function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}`;
  } catch {
    return 'an unparsable URL';
  }
}
