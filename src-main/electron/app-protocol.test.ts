import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { APP_ENTRY_URL, resolveAppRequest, serveAppRequest } from './app-protocol.ts';
import { CONTENT_SECURITY_POLICY } from './csp.ts';

// POSIX cases use path.posix explicitly so the suite means the same on a Windows runner.
const ROOT = '/opt/SealSight/resources/app.asar/dist/renderer';

describe('resolveAppRequest', () => {
  it('maps the entry URL and nested assets onto files under the root', () => {
    expect(resolveAppRequest(APP_ENTRY_URL, ROOT, path.posix)).toEqual({
      kind: 'file',
      filePath: `${ROOT}/index.html`,
      contentType: 'text/html; charset=utf-8',
    });
    expect(resolveAppRequest('app://sealsight/', ROOT, path.posix)).toMatchObject({
      filePath: `${ROOT}/index.html`,
    });
    expect(
      resolveAppRequest('app://sealsight/assets/index-4f2a.js?v=1#x', ROOT, path.posix),
    ).toEqual({
      kind: 'file',
      filePath: `${ROOT}/assets/index-4f2a.js`,
      contentType: 'text/javascript; charset=utf-8',
    });
    expect(resolveAppRequest('app://sealsight/assets/a%20b.css', ROOT, path.posix)).toMatchObject({
      filePath: `${ROOT}/assets/a b.css`,
    });
  });

  it.each([
    ['app://sealsight/../../../etc/passwd.txt', `${ROOT}/etc/passwd.txt`],
    ['app://sealsight/%2e%2e/%2e%2e/secret.json', `${ROOT}/secret.json`],
    ['app://sealsight/assets/%2E%2e/x.js', `${ROOT}/x.js`],
  ])('lets the URL parser fold dot segments, so %s stays under the root', (url, expected) => {
    expect(resolveAppRequest(url, ROOT, path.posix)).toMatchObject({
      kind: 'file',
      filePath: expected,
    });
  });

  it.each([
    ['app://sealsight/assets/..%2f..%2f..%2fetc%2fpasswd.txt'],
    ['app://sealsight/assets/%2e.%2fsecret.json'],
    ['app://sealsight/..%5c..%5cwindows%5cwin.ini.txt'],
    ['app://sealsight/assets%5c..%5c..%5csecret.json'],
    ['app://sealsight/C:%2fWindows%2fwin.ini.txt'],
    ['app://sealsight/index.html%00.png'],
    ['app://sealsight/.env.txt'],
  ])('refuses encoded separators, dot segments and odd characters: %s', (url) => {
    expect(resolveAppRequest(url, ROOT, path.posix).kind).toBe('refused');
  });

  it('refuses other origins and schemes', () => {
    for (const url of [
      'app://evil/index.html',
      'file:///etc/passwd',
      'https://sealsight/index.html',
      'not a url',
    ]) {
      expect(resolveAppRequest(url, ROOT, path.posix).kind, url).toBe('refused');
    }
  });

  it('refuses types the renderer never ships', () => {
    expect(resolveAppRequest('app://sealsight/vault.sqlite', ROOT, path.posix)).toMatchObject({
      kind: 'refused',
      status: 404,
    });
  });

  it('applies the same containment with Windows paths', () => {
    const winRoot = 'C:\\Program Files\\SealSight\\resources\\app.asar\\dist\\renderer';
    expect(resolveAppRequest('app://sealsight/assets/x.js', winRoot, path.win32)).toMatchObject({
      filePath: `${winRoot}\\assets\\x.js`,
    });
    for (const url of [
      'app://sealsight/..%5c..%5cvault.json',
      'app://sealsight/C:%5cWindows%5cwin.ini.txt',
      'app://sealsight/assets/..%2f..%2fx.js',
    ]) {
      expect(resolveAppRequest(url, winRoot, path.win32).kind, url).toBe('refused');
    }
  });
});

describe('serveAppRequest (real files)', () => {
  let root: string;
  let outside: string;
  beforeAll(async () => {
    outside = await mkdtemp(path.join(os.tmpdir(), 'sealsight-protocol-'));
    root = path.join(outside, 'renderer');
    await mkdir(path.join(root, 'assets'), { recursive: true });
    await writeFile(path.join(root, 'index.html'), '<!doctype html><title>SealSight</title>');
    await writeFile(path.join(root, 'assets', 'app.js'), 'console.log(1)');
    await writeFile(path.join(outside, 'secret.json'), '{"key":"do not serve"}');
  });
  afterAll(() => rm(outside, { recursive: true, force: true }));

  it('serves a file with its type and the security headers', async () => {
    const response = await serveAppRequest({ url: APP_ENTRY_URL, method: 'GET' }, root);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await response.text()).toContain('<title>SealSight</title>');
    const js = await serveAppRequest({ url: 'app://sealsight/assets/app.js', method: 'GET' }, root);
    expect(await js.text()).toBe('console.log(1)');
  });

  it('answers 403 to a traversal towards an existing file and never returns its bytes', async () => {
    const response = await serveAppRequest(
      { url: 'app://sealsight/..%2fsecret.json', method: 'GET' },
      root,
    );
    expect(response.status).toBe(403);
    expect(await response.text()).not.toContain('do not serve');
  });

  it('answers 404 for a missing file and 405 for other methods', async () => {
    const missing = await serveAppRequest({ url: 'app://sealsight/nope.js', method: 'GET' }, root);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    const post = await serveAppRequest({ url: APP_ENTRY_URL, method: 'POST' }, root);
    expect(post.status).toBe(405);
  });
});
