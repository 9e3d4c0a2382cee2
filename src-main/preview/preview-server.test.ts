// The preview server's access control: one-time token → HttpOnly SameSite=Strict cookie,
// everything else refused; API calls validated by the same contract as the shell.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createAppService } from '../app/app-service.ts';
import type { AppService } from '../app/app-service.ts';
import { CONTENT_SECURITY_POLICY, SESSION_COOKIE, startPreviewServer } from './preview-server.ts';
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

  it('never serves files outside the renderer folder', async () => {
    const res = await get(`${server.origin}/..%2f..%2fetc%2fpasswd`, { cookie });
    expect(await res.text()).toContain('<title>t</title>'); // the SPA fallback, not the file
  });
});
