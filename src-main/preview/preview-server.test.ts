// The preview server's access control: one-time token → HttpOnly SameSite=Strict cookie,
// everything else refused; API calls validated by the same contract as the shell; the
// event stream checked like the API; every request bounded in time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createAppService } from '../app/app-service.ts';
import type { AppService } from '../app/app-service.ts';
import {
  CONTENT_SECURITY_POLICY,
  DEFAULT_PREVIEW_TIMEOUTS,
  SESSION_COOKIE,
  startPreviewServer,
} from './preview-server.ts';
import type { PreviewServer } from './preview-server.ts';

let dir: string;
let service: AppService;
let server: PreviewServer;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'sealsight-preview-'));
  await writeFile(path.join(dir, 'index.html'), '<!doctype html><title>t</title>');
  service = createAppService({ stateDir: path.join(dir, 'state'), idleLockMs: 0 });
  server = await startPreviewServer({ service, rendererDir: dir });
});
afterAll(async () => {
  await server.close();
  await service.dispose();
  await rm(dir, { recursive: true, force: true });
});

const get = (url: string, headers: Record<string, string> = {}) =>
  fetch(url, { headers, redirect: 'manual' });

describe('preview server', () => {
  let cookie = '';

  it('listens on loopback only', () => {
    expect(server.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('refuses requests without a token or session', async () => {
    const res = await get(`${server.origin}/`);
    expect(res.status).toBe(403);
    expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect((await get(`${server.origin}/?token=${'0'.repeat(64)}`)).status).toBe(403);
    expect((await get(`${server.origin}/?token=short`)).status).toBe(403);
    const api = await fetch(`${server.origin}/api/vault:status`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: server.origin },
      body: '{}',
    });
    expect(api.status).toBe(403);
  });

  it('exchanges the token once for an HttpOnly SameSite=Strict cookie', async () => {
    const res = await get(server.url);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/');
    const setCookie = res.headers.get('set-cookie')!;
    expect(setCookie).toMatch(
      new RegExp(`^${SESSION_COOKIE}=[0-9a-f]{64}; HttpOnly; SameSite=Strict; Path=/$`),
    );
    cookie = setCookie.split(';')[0]!;
    expect(setCookie).not.toContain(new URL(server.url).searchParams.get('token')!);
    expect((await get(server.url)).status).toBe(403); // used up
    const page = await get(`${server.origin}/`, { cookie });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>t</title>');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
  });

  it('refuses a wrong Host header (DNS rebinding) even with a session', async () => {
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        `${server.origin}/`,
        { headers: { cookie, host: 'evil.example:80' } },
        (res) => resolve(res.statusCode!),
      );
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(403);
  });

  it('answers API calls from its own origin, validating with the contract', async () => {
    const call = (channel: string, body: unknown, origin = server.origin) =>
      fetch(`${server.origin}/api/${channel}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Origin: origin, cookie },
        body: JSON.stringify(body),
      });
    const ok = await call('vault:status', {});
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ ok: true, result: { state: 'locked', dir: null } });
    const bad = await call('vault:create', { dir: '/tmp/x', passphrase: 'short' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({
      ok: false,
      error: { code: 'invalid-request', message: expect.stringMatching(/passphrase/) },
    });
    expect((await call('vault:nope', {})).status).toBe(400);
    expect((await call('vault:status', {}, 'http://evil.example')).status).toBe(403);
    const locked = await call('images:list', {});
    expect(await locked.json()).toMatchObject({ ok: false, error: { code: 'locked' } });
  });

  it('refuses the event stream to a foreign origin, like the API', async () => {
    const events = (headers: Record<string, string>) => {
      const abort = new AbortController();
      return fetch(`${server.origin}/api/events`, {
        headers: { cookie, ...headers },
        signal: abort.signal,
      }).then((res) => ({ res, stop: () => abort.abort() }));
    };
    const foreign = await events({ Origin: 'http://evil.example' });
    expect(foreign.res.status).toBe(403);
    const crossSite = await events({ 'Sec-Fetch-Site': 'cross-site' });
    expect(crossSite.res.status).toBe(403);
    expect((await get(`${server.origin}/api/events`)).status).toBe(403); // no session either
    // The app's own page: a same-origin EventSource sends its Origin or none at all.
    const own: Array<Record<string, string>> = [
      { Origin: server.origin },
      { 'Sec-Fetch-Site': 'same-origin' },
      {},
    ];
    for (const headers of own) {
      const stream = await events(headers);
      expect(stream.res.status).toBe(200);
      expect(stream.res.headers.get('content-type')).toBe('text/event-stream');
      stream.stop();
    }
  });

  it('never serves files outside the renderer folder', async () => {
    const res = await get(`${server.origin}/..%2f..%2fetc%2fpasswd`, { cookie });
    expect(await res.text()).toContain('<title>t</title>'); // the SPA fallback, not the file
  });
});

describe('preview server timeouts', () => {
  it('bounds every request by default', () => {
    const t = server.timeouts;
    expect(t).toEqual(DEFAULT_PREVIEW_TIMEOUTS);
    for (const ms of [t.headersMs, t.requestMs, t.apiMs, t.eventPingMs, t.checkIntervalMs])
      expect(ms > 0 && Number.isFinite(ms)).toBe(true);
    expect(t.headersMs).toBeLessThanOrEqual(t.requestMs);
  });

  // The timeouts belong to the HTTP layer, so this server fronts a service whose every
  // call takes 300 ms (no engine involved), under timeouts a few times shorter.
  let slow: PreviewServer;
  let session = '';
  let emit: (event: unknown) => void = () => {};
  beforeAll(async () => {
    const slowService = {
      onProgress: (listener: (event: unknown) => void) => {
        emit = listener;
        return () => {};
      },
      handle: async (channel: string) => {
        await new Promise((resolve) => setTimeout(resolve, 300));
        return { channel };
      },
    } as unknown as AppService;
    slow = await startPreviewServer({
      service: slowService,
      rendererDir: dir,
      timeouts: {
        headersMs: 100,
        requestMs: 150,
        apiMs: 100,
        eventPingMs: 50,
        checkIntervalMs: 25,
      },
    });
    session = (await get(slow.url)).headers.get('set-cookie')!.split(';')[0]!;
  });
  afterAll(() => slow.close());

  const call = (channel: string, body: unknown) =>
    fetch(`${slow.origin}/api/${channel}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: slow.origin, cookie: session },
      body: JSON.stringify(body),
    });

  it('drops a client that does not finish sending its request head', async () => {
    const port = Number(new URL(slow.origin).port);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`); // and never the blank line
      });
      let data = '';
      socket.on('data', (chunk) => (data += chunk.toString()));
      socket.on('close', () => resolve(data));
      socket.on('error', reject);
      setTimeout(() => reject(new Error('the server kept the socket open')), 5000).unref();
    });
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });

  it('answers a call that is not a job within its deadline (504), and lets jobs run long', async () => {
    const late = await call('vault:status', {});
    expect(late.status).toBe(504);
    expect(await late.json()).toMatchObject({
      ok: false,
      error: { code: 'failed', message: 'no answer within 100 ms' },
    });
    // A job answers when it is done, past both the API deadline and the receive timeout.
    const job = await call('classify:run', { jobId: 'job-12345', modelId: null });
    expect(job.status).toBe(200);
    expect(await job.json()).toEqual({ ok: true, result: { channel: 'classify:run' } });
  });

  it('pings the event stream, delivers progress, and lets a departed client go', async () => {
    const abort = new AbortController();
    const res = await fetch(`${slow.origin}/api/events`, {
      headers: { cookie: session },
      signal: abort.signal,
    });
    expect(res.status).toBe(200);
    expect(slow.openEventStreams).toBe(1);
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes(': ping')) text += new TextDecoder().decode((await reader.read()).value);
    emit({ jobId: 'job-12345', kind: 'import', done: 1, total: 2 });
    while (!text.includes('event: progress'))
      text += new TextDecoder().decode((await reader.read()).value);
    expect(text).toContain('"done":1');
    abort.abort();
    for (let i = 0; i < 100 && slow.openEventStreams > 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(slow.openEventStreams).toBe(0);
  });
});
