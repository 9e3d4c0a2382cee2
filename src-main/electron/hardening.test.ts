import { describe, expect, it } from 'vitest';
import type { Session, WebContents } from 'electron';
import { hardenSession, hardenWebContents, isAllowedRequestUrl } from './hardening.ts';
import { CONTENT_SECURITY_POLICY } from './csp.ts';

type Listener = (...args: never[]) => unknown;

/** Captures the handlers our code installs, so each can be exercised as Electron would. */
function fakeWebContents() {
  const on = new Map<string, Listener>();
  let windowOpen: Listener | undefined;
  const contents = {
    on(event: string, listener: Listener) {
      on.set(event, listener);
      return contents;
    },
    setWindowOpenHandler(handler: Listener) {
      windowOpen = handler;
    },
  };
  return { contents: contents as unknown as WebContents, on, windowOpen: () => windowOpen! };
}

function preventable() {
  const event = { prevented: false, preventDefault: () => void (event.prevented = true) };
  return event;
}

describe('hardenWebContents', () => {
  it('blocks every navigation, redirect, <webview> and new window', () => {
    const warnings: string[] = [];
    const fake = fakeWebContents();
    hardenWebContents(fake.contents, (m) => warnings.push(m));

    for (const name of ['will-navigate', 'will-redirect']) {
      const event = preventable();
      (fake.on.get(name) as (e: unknown, url: string) => void)(
        event,
        'https://evil.example/x?q=secret',
      );
      expect(event.prevented, name).toBe(true);
    }
    const subFrame = Object.assign(preventable(), {
      url: 'https://evil.example/',
      isMainFrame: false,
    });
    (fake.on.get('will-frame-navigate') as (d: unknown) => void)(subFrame);
    expect(subFrame.prevented).toBe(true);

    const webview = preventable();
    (fake.on.get('will-attach-webview') as (e: unknown) => void)(webview);
    expect(webview.prevented).toBe(true);

    expect(
      (fake.windowOpen() as (d: { url: string }) => unknown)({ url: 'https://evil.example/' }),
    ).toEqual({
      action: 'deny',
    });
    // Logged by scheme and host only: the path and query never reach the log.
    expect(warnings.join('\n')).not.toContain('secret');
    expect(warnings).toContain('blocked navigation to https://evil.example');
  });
});

describe('hardenSession', () => {
  function fakeSession() {
    const handlers: Record<string, Listener> = {};
    let spellcheck = true;
    const session = {
      setPermissionRequestHandler: (h: Listener) => void (handlers.permissionRequest = h),
      setPermissionCheckHandler: (h: Listener) => void (handlers.permissionCheck = h),
      setDevicePermissionHandler: (h: Listener) => void (handlers.devicePermission = h),
      setSpellCheckerEnabled: (on: boolean) => void (spellcheck = on),
      webRequest: {
        onBeforeRequest: (h: Listener) => void (handlers.beforeRequest = h),
        onHeadersReceived: (h: Listener) => void (handlers.headersReceived = h),
      },
    };
    return { session: session as unknown as Session, handlers, spellcheck: () => spellcheck };
  }

  it('denies every permission request and check', () => {
    const fake = fakeSession();
    hardenSession(fake.session, () => {});
    for (const permission of [
      'media',
      'geolocation',
      'notifications',
      'clipboard-read',
      'openExternal',
    ]) {
      let granted: boolean | undefined;
      (fake.handlers.permissionRequest as (...a: unknown[]) => void)(
        null,
        permission,
        (g: boolean) => {
          granted = g;
        },
      );
      expect(granted, permission).toBe(false);
    }
    expect((fake.handlers.permissionCheck as () => boolean)()).toBe(false);
    expect((fake.handlers.devicePermission as () => boolean)()).toBe(false);
    expect(fake.spellcheck()).toBe(false);
  });

  it('cancels remote and file requests and lets our own through', () => {
    const fake = fakeSession();
    hardenSession(fake.session, () => {});
    const decide = (url: string) => {
      let cancel: boolean | undefined;
      (fake.handlers.beforeRequest as (...a: unknown[]) => void)(
        { url },
        (r: { cancel: boolean }) => {
          cancel = r.cancel;
        },
      );
      return cancel;
    };
    expect(decide('app://sealsight/assets/index.js')).toBe(false);
    expect(decide('data:image/png;base64,AAAA')).toBe(false);
    expect(decide('https://cdn.example/react.js')).toBe(true);
    expect(decide('http://127.0.0.1:5173/')).toBe(true);
    expect(decide('file:///etc/passwd')).toBe(true);
    expect(decide('ws://localhost:1234/')).toBe(true);
    expect(decide('app://evil/x.js')).toBe(true);
  });

  it('puts our CSP on every response, replacing a looser one', () => {
    const fake = fakeSession();
    hardenSession(fake.session, () => {});
    let headers: Record<string, string[]> | undefined;
    (fake.handlers.headersReceived as (...a: unknown[]) => void)(
      { responseHeaders: { 'content-security-policy': ['default-src *'] } },
      (r: { responseHeaders: Record<string, string[]> }) => {
        headers = r.responseHeaders;
      },
    );
    expect(headers).toEqual(
      expect.objectContaining({ 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] }),
    );
    expect(headers).not.toHaveProperty('content-security-policy');
  });
});

describe('isAllowedRequestUrl', () => {
  it('allows only app://sealsight, data:, blob: and devtools:', () => {
    expect(isAllowedRequestUrl('blob:app://sealsight/123')).toBe(true);
    expect(isAllowedRequestUrl('devtools://devtools/bundled/inspector.html')).toBe(true);
    expect(isAllowedRequestUrl('chrome-extension://abc/x.js')).toBe(false);
    expect(isAllowedRequestUrl('not a url')).toBe(false);
  });
});
