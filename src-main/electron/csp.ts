// The renderer's Content-Security-Policy and the other security headers every response
// of ours carries. Pure data (no Electron import) so the exact policy is unit-tested.

/**
 * Everything is denied unless listed; the renderer loads only its own bundled files from
 * app://sealsight. No inline or eval'd script, no remote origin, no frames, no plugins.
 * Images may be data:/blob: URLs because decrypted thumbnails reach the renderer as bytes
 * over IPC and never as files or remote URLs.
 */
export const CSP_DIRECTIVES: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['default-src', ["'none'"]],
  ['script-src', ["'self'"]],
  ['style-src', ["'self'"]],
  ['img-src', ["'self'", 'data:', 'blob:']],
  ['font-src', ["'self'"]],
  ['connect-src', ["'self'"]],
  ['worker-src', ["'self'"]],
  ['manifest-src', ["'none'"]],
  ['media-src', ["'none'"]],
  ['object-src', ["'none'"]],
  ['frame-src', ["'none'"]],
  ['child-src', ["'none'"]],
  ['frame-ancestors', ["'none'"]],
  ['base-uri', ["'none'"]],
  ['form-action', ["'none'"]],
];

export const CONTENT_SECURITY_POLICY = CSP_DIRECTIVES.map(
  ([name, sources]) => `${name} ${sources.join(' ')}`,
).join('; ');

/** Headers added to every renderer response (protocol handler and onHeadersReceived). */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Referrer-Policy': 'no-referrer',
  'Permissions-Policy':
    'camera=(), microphone=(), geolocation=(), usb=(), serial=(), hid=(), payment=()',
};

/**
 * Merges our security headers into a response's headers (as Electron's onHeadersReceived
 * hands them: name → values), replacing any existing header of the same name whatever
 * its case, so a response can never loosen the policy.
 */
export function withSecurityHeaders(
  headers: Readonly<Record<string, string | string[]>> | undefined,
): Record<string, string[]> {
  const ours = new Set(Object.keys(SECURITY_HEADERS).map((name) => name.toLowerCase()));
  const merged: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (!ours.has(name.toLowerCase())) merged[name] = Array.isArray(value) ? value : [value];
  }
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) merged[name] = [value];
  return merged;
}
