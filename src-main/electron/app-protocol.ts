// The renderer is served from a custom privileged scheme, app://sealsight/…, mapped onto
// the packaged dist/renderer folder and nothing else. This module holds the pure parts
// (URL → file resolution with traversal refusal, content types, the response) so they
// are unit-tested without Electron; main.ts hands `serveAppRequest` to protocol.handle.
import nodePath from 'node:path';
import { readFile } from 'node:fs/promises';
import { SECURITY_HEADERS } from './csp.ts';

export const APP_SCHEME = 'app';
export const APP_HOST = 'sealsight';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/**
 * Privileges for protocol.registerSchemesAsPrivileged: a standard, secure origin (so
 * relative URLs, 'self' in the CSP and ES modules work) that may use fetch for its own
 * files. It does not bypass the CSP and does not allow service workers. `corsEnabled`
 * stays off: in Electron it would let other origins read app:// responses; our own
 * module scripts are same-origin and need no CORS.
 */
export const APP_SCHEME_PRIVILEGES = {
  standard: true,
  secure: true,
  supportFetchAPI: true,
  codeCache: true,
  bypassCSP: false,
  allowServiceWorkers: false,
  corsEnabled: false,
  stream: false,
} as const;

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

export type AppRequestResolution =
  | { readonly kind: 'file'; readonly filePath: string; readonly contentType: string }
  | { readonly kind: 'refused'; readonly status: 400 | 403 | 404; readonly reason: string };

type PathApi = Pick<typeof nodePath, 'resolve' | 'sep' | 'extname' | 'isAbsolute'>;

/**
 * Maps an app:// URL onto a file under `rootDir`, refusing anything that could leave it:
 * another scheme or host, `..`/`.` segments (raw or percent-encoded), backslashes, drive
 * letters, NUL bytes, hidden files, and — as a last line — any resolved path outside the
 * root. `pathApi` is node:path by default; tests pass path.win32 to check Windows rules.
 */
export function resolveAppRequest(
  requestUrl: string,
  rootDir: string,
  pathApi: PathApi = nodePath,
): AppRequestResolution {
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return { kind: 'refused', status: 400, reason: 'malformed URL' };
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) {
    return { kind: 'refused', status: 403, reason: `not the ${APP_ORIGIN} origin` };
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(url.pathname);
  } catch {
    return { kind: 'refused', status: 400, reason: 'malformed percent-encoding' };
  }
  if (/[\\\0:]/.test(decoded)) {
    return { kind: 'refused', status: 403, reason: 'forbidden character in path' };
  }
  const segments = decoded.split('/').filter((segment) => segment !== '');
  if (segments.some((segment) => segment.startsWith('.'))) {
    return { kind: 'refused', status: 403, reason: 'dot segments and hidden files are refused' };
  }
  if (segments.length === 0 || decoded.endsWith('/')) segments.push('index.html');

  const root = pathApi.resolve(rootDir);
  const filePath = pathApi.resolve(root, ...segments);
  if (!filePath.startsWith(root.endsWith(pathApi.sep) ? root : root + pathApi.sep)) {
    return { kind: 'refused', status: 403, reason: 'path escapes the renderer folder' };
  }
  const contentType = CONTENT_TYPES[pathApi.extname(filePath).toLowerCase()];
  if (contentType === undefined) {
    return { kind: 'refused', status: 404, reason: 'not a file type the renderer serves' };
  }
  return { kind: 'file', filePath, contentType };
}

export interface AppRequestLike {
  readonly url: string;
  readonly method: string;
}

/**
 * The protocol handler's body: GET/HEAD of a resolved file, with the security headers;
 * every refusal is a plain-text error response (never a directory listing or a path).
 */
export async function serveAppRequest(
  request: AppRequestLike,
  rootDir: string,
  read: (filePath: string) => Promise<Uint8Array> = readFile,
): Promise<Response> {
  const plain = (status: number, text: string): Response =>
    new Response(text, {
      status,
      headers: { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' },
    });
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return plain(405, 'method not allowed');
  }
  const resolved = resolveAppRequest(request.url, rootDir);
  if (resolved.kind === 'refused') return plain(resolved.status, resolved.reason);
  let body: Uint8Array;
  try {
    body = await read(resolved.filePath);
  } catch {
    return plain(404, 'not found');
  }
  return new Response(request.method === 'HEAD' ? null : new Uint8Array(body), {
    status: 200,
    headers: { ...SECURITY_HEADERS, 'Content-Type': resolved.contentType },
  });
}
