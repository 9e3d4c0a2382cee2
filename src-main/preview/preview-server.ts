// `npm run preview`: the desktop UI in a browser, without Electron. A plain Node HTTP
// server on 127.0.0.1 serves the built renderer and bridges window.api to the same
// AppService the Electron shell uses:
//   POST /api/<channel>  JSON body → { ok: true, result } | { ok: false, error }
//   GET  /api/events     Server-Sent Events, one `progress` event per ProgressEvent
// Access control: the printed URL carries a one-time token; the first request that
// presents it gets an HttpOnly SameSite=Strict session cookie and a redirect to a clean
// URL; everything else without that cookie is refused (403). The Host header must name
// the loopback address (DNS rebinding) and API calls and the event stream must come
// from the app's origin. Every request must arrive in bounded time (slow clients hold
// sockets), calls that are not jobs answer in bounded time, and the long-lived event
// stream is pinged so a client that went away, or stopped reading, is let go.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import { isIpcChannel, PROGRESS_CHANNEL } from '../../src-shared/contract/ipc.ts';
import type { AppService } from '../app/app-service.ts';
import { AppError, toIpcError } from '../app/renderer-boundary.ts';

export const SESSION_COOKIE = 'sealsight_session';
const MAX_BODY_BYTES = 1024 * 1024;
/** One UI tab needs one stream; a few spare for reloads, not one per request of a loop. */
const MAX_EVENT_STREAMS = 16;

export interface PreviewTimeouts {
  /** The request head must arrive within this (a slow client must not hold a socket). */
  readonly headersMs: number;
  /** The whole request (head + ≤ 1 MiB body) must arrive within this; answering may take longer. */
  readonly requestMs: number;
  /**
   * API calls that are not jobs answer within this, or get 504. Jobs (import, classify,
   * train…) carry a jobId, report progress on the event stream and are stopped by
   * job:cancel, so they have no deadline.
   */
  readonly apiMs: number;
  /** A comment line on every event stream this often: keeps it open, finds dead clients. */
  readonly eventPingMs: number;
  /** How often Node checks the two receive timeouts (its default, 30 s, would stretch them). */
  readonly checkIntervalMs: number;
}

export const DEFAULT_PREVIEW_TIMEOUTS: PreviewTimeouts = {
  headersMs: 10_000,
  requestMs: 30_000,
  apiMs: 5 * 60_000,
  eventPingMs: 15_000,
  checkIntervalMs: 1_000,
};

/** Strict CSP: only our own scripts/styles; images also from data: (thumbnails). */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Frame-Options': 'DENY',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=()',
};

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

export interface PreviewServerOptions {
  readonly service: AppService;
  /** The built renderer (vite build's outDir). */
  readonly rendererDir: string;
  readonly port?: number;
  readonly timeouts?: Partial<PreviewTimeouts>;
}

export interface PreviewServer {
  readonly origin: string;
  /** The one-time URL to open (carries the token). */
  readonly url: string;
  readonly timeouts: PreviewTimeouts;
  /** Event streams currently open. */
  readonly openEventStreams: number;
  close(): Promise<void>;
}

export async function startPreviewServer(options: PreviewServerOptions): Promise<PreviewServer> {
  const rendererDir = await realpath(options.rendererDir);
  let token: Buffer | null = randomBytes(32);
  const sessions = new Set<string>();
  const sseClients = new Set<ServerResponse>();
  let origin = '';

  const unsubscribe = options.service.onProgress((event) => {
    const frame = `event: progress\ndata: ${JSON.stringify(event)}\n\n`;
    for (const client of sseClients) client.write(frame);
  });

  const timeouts: PreviewTimeouts = { ...DEFAULT_PREVIEW_TIMEOUTS, ...options.timeouts };
  // Node applies these to receiving the request only: a long job's answer is not cut.
  const server: Server = createServer(
    {
      headersTimeout: timeouts.headersMs,
      requestTimeout: timeouts.requestMs,
      connectionsCheckingInterval: timeouts.checkIntervalMs,
    },
    (req, res) => {
      handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error');
        else res.end();
        console.error('preview server:', error instanceof Error ? error.message : error);
      });
    },
  );
  // A client whose stream still has unsent data at two pings in a row has stopped
  // reading (or vanished without a close): drop it rather than buffer progress for it
  // forever. One ping of grace, so a burst of progress events does not cost a live tab.
  const stalled = new WeakSet<ServerResponse>();
  const pings = setInterval(() => {
    for (const client of sseClients) {
      if (!client.writableNeedDrain) {
        stalled.delete(client);
        client.write(': ping\n\n');
      } else if (stalled.has(client)) {
        sseClients.delete(client);
        client.destroy();
      } else stalled.add(client);
    }
  }, timeouts.eventPingMs);
  pings.unref();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const host = req.headers.host ?? '';
    if (host !== new URL(origin).host) return refuse(res, 'wrong host');
    const url = new URL(req.url ?? '/', origin);

    const presented = url.searchParams.get('token');
    if (presented !== null) {
      if (!token || !sameSecret(presented, token)) return refuse(res, 'invalid or used token');
      token = null; // one-time: the URL is useless once exchanged
      const session = randomBytes(32).toString('hex');
      sessions.add(session);
      res.writeHead(303, {
        ...SECURITY_HEADERS,
        'Set-Cookie': `${SESSION_COOKIE}=${session}; HttpOnly; SameSite=Strict; Path=/`,
        Location: '/',
        'Cache-Control': 'no-store',
      });
      res.end();
      return;
    }
    if (!hasSession(req, sessions)) return refuse(res, 'no session');

    if (url.pathname === '/api/events' && req.method === 'GET') {
      if (crossOrigin(req, origin)) return refuse(res, 'cross-origin event stream');
      if (sseClients.size >= MAX_EVENT_STREAMS)
        return send(res, 503, 'text/plain; charset=utf-8', 'too many event streams');
      res.writeHead(200, {
        ...SECURITY_HEADERS,
        'Content-Type': 'text/event-stream',
        'Cache-Control': 'no-store',
        Connection: 'keep-alive',
      });
      res.write(`: ${PROGRESS_CHANNEL}\n\n`);
      sseClients.add(res);
      const drop = () => sseClients.delete(res);
      res.on('close', drop);
      res.on('error', drop);
      return;
    }
    if (url.pathname.startsWith('/api/')) {
      if (req.method !== 'POST') return send(res, 405, 'text/plain; charset=utf-8', 'POST only');
      if (req.headers.origin !== origin) return refuse(res, 'cross-origin API call');
      if (!(req.headers['content-type'] ?? '').startsWith('application/json'))
        return send(res, 415, 'text/plain; charset=utf-8', 'JSON only');
      const channel = decodeURIComponent(url.pathname.slice('/api/'.length));
      let status = 200;
      let body: unknown;
      try {
        if (!isIpcChannel(channel)) throw new AppError('invalid-request', 'unknown channel');
        const payload = await readJson(req);
        const work = options.service.handle(channel, payload);
        const result = isJob(payload) ? await work : await withDeadline(work, timeouts.apiMs);
        body = { ok: true, result };
      } catch (error) {
        const ipcError = toIpcError(error);
        status =
          error instanceof DeadlineError ? 504 : ipcError.code === 'invalid-request' ? 400 : 200;
        body = { ok: false, error: ipcError };
      }
      return send(res, status, 'application/json', JSON.stringify(body), {
        'Cache-Control': 'no-store',
      });
    }
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed');
    return serveStatic(url.pathname, res);
  }

  async function serveStatic(pathname: string, res: ServerResponse): Promise<void> {
    let relative: string;
    try {
      relative = decodeURIComponent(pathname);
    } catch {
      return send(res, 400, 'text/plain; charset=utf-8', 'bad path');
    }
    const candidate = path.resolve(rendererDir, `.${relative}`);
    const inside = candidate === rendererDir || candidate.startsWith(rendererDir + path.sep);
    const ext = path.extname(candidate);
    const file = inside && CONTENT_TYPES[ext] ? candidate : path.join(rendererDir, 'index.html');
    try {
      const data = await readFile(file);
      send(res, 200, CONTENT_TYPES[path.extname(file)]!, data, { 'Cache-Control': 'no-cache' });
    } catch {
      if (ext && ext !== '.html') return send(res, 404, 'text/plain; charset=utf-8', 'not found');
      const index = await readFile(path.join(rendererDir, 'index.html'));
      send(res, 200, CONTENT_TYPES['.html']!, index, { 'Cache-Control': 'no-cache' });
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no listening address');
  origin = `http://127.0.0.1:${address.port}`;
  const url = `${origin}/?token=${token.toString('hex')}`;
  return {
    origin,
    url,
    timeouts,
    get openEventStreams() {
      return sseClients.size;
    },
    close: async () => {
      clearInterval(pings);
      unsubscribe();
      for (const client of sseClients) client.end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function sameSecret(presented: string, token: Buffer): boolean {
  const bytes = /^[0-9a-f]{64}$/.test(presented) ? Buffer.from(presented, 'hex') : null;
  return bytes !== null && timingSafeEqual(bytes, token);
}

function hasSession(req: IncomingMessage, sessions: ReadonlySet<string>): boolean {
  const cookies = (req.headers.cookie ?? '').split(';').map((c) => c.trim());
  return cookies.some((cookie) => {
    const [name, value] = cookie.split('=');
    return name === SESSION_COOKIE && value !== undefined && sessions.has(value);
  });
}

/**
 * A browser names the requesting page's origin on cross-origin requests (Origin, and
 * Sec-Fetch-Site where supported); a same-origin EventSource may send neither.
 */
function crossOrigin(req: IncomingMessage, origin: string): boolean {
  const claimed = req.headers.origin;
  if (claimed !== undefined && claimed !== origin) return true;
  const site = req.headers['sec-fetch-site'];
  return site !== undefined && site !== 'same-origin' && site !== 'none';
}

/** A job call: its request carries the jobId its progress and cancellation go by. */
function isJob(payload: unknown): boolean {
  return typeof payload === 'object' && payload !== null && 'jobId' in payload;
}

class DeadlineError extends AppError {
  constructor(ms: number) {
    super('failed', `no answer within ${ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`}`);
  }
}

/** The answer, or a DeadlineError after `ms` (the work itself goes on: it cannot be stopped). */
async function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  work.catch(() => {}); // a late failure after the deadline has no one to go to
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new DeadlineError(ms)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function refuse(res: ServerResponse, why: string): void {
  send(
    res,
    403,
    'text/plain; charset=utf-8',
    `forbidden (${why}): open the URL printed by npm run preview`,
  );
}

function send(
  res: ServerResponse,
  status: number,
  contentType: string,
  body: string | Buffer,
  extra: Record<string, string> = {},
): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': contentType, ...extra });
  res.end(body);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new AppError('invalid-request', 'request body too large');
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new AppError('invalid-request', 'request body is not JSON');
  }
}
