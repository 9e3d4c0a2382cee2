// The real React renderer driven in Debian's Chromium through the Electron shell's own
// pieces, with only Electron's IPC pipe replaced: the page gets window.api from the BUILT
// preload bundle (dist/electron/preload.cjs, with a stand-in for require('electron')
// whose ipcRenderer posts to this test's loopback server), the server answers with the
// shell's IPC router over the real AppService, and serves the renderer exactly as the
// app:// protocol handler does (same resolution, content types and CSP header).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { IPC_CHANNEL_NAMES } from '../src-shared/contract/ipc.ts';
import { createAppService } from '../src-main/app/app-service.ts';
import type { AppService } from '../src-main/app/app-service.ts';
import { serveAppRequest } from '../src-main/electron/app-protocol.ts';
import { bundleElectron } from '../src-main/electron/build/bundle.ts';
import { createIpcRouter, createProgressRelay } from '../src-main/electron/ipc-router.ts';
import { makeTempDir, REPO_ROOT } from './helpers/fixtures.ts';
import { buildRenderer, CHROMIUM, CHROMIUM_ARGS } from './helpers/chromium.ts';

const MAIN_FRAME = { url: 'app://sealsight/index.html', parent: null };

/** ipcRenderer for the page: invoke → POST /ipc/<channel>, on → Server-Sent Events. */
const PAGE_IPC = String.raw`{
  invoke: async (channel, payload) =>
    (await fetch('/ipc/' + encodeURIComponent(channel), { method: 'POST', body: JSON.stringify(payload ?? null) })).json(),
  listeners: new Map(),
  on(channel, listener) {
    if (!this.listeners.has(channel)) this.listeners.set(channel, new Set());
    this.listeners.get(channel).add(listener);
    if (!this.source) {
      this.source = new EventSource('/ipc-events');
      this.source.onmessage = (m) => {
        const [ch, payload] = JSON.parse(m.data);
        for (const l of this.listeners.get(ch) ?? []) l({ sender: 'ipcRenderer' }, payload);
      };
    }
  },
  removeListener(channel, listener) { this.listeners.get(channel)?.delete(listener); },
}`;

describe.skipIf(!existsSync(CHROMIUM))('renderer through the shell bridge (Chromium)', () => {
  let temp: Awaited<ReturnType<typeof makeTempDir>>;
  let service: AppService;
  let server: http.Server;
  let browser: Browser;
  let page: Page;
  const violations: string[] = [];
  const pageErrors: string[] = [];
  const sse = new Set<http.ServerResponse>();

  beforeAll(async () => {
    temp = await makeTempDir('sealsight-bridge-');
    const rendererDir = path.join(temp.dir, 'renderer');
    await buildRenderer(rendererDir);
    const { preload } = await bundleElectron({
      repoRoot: REPO_ROOT,
      outDir: path.join(temp.dir, 'electron'),
    });
    const preloadCode = await readFile(preload, 'utf8');

    service = createAppService({
      stateDir: path.join(temp.dir, 'state'),
      idleLockMs: 0,
      workers: 2,
      kdf: { logN: 14 }, // a cheaper scrypt for the test; the app's default is 2^17
    });
    const router = createIpcRouter({ service, trustedWebContentsIds: () => new Set([1]) });
    service.onProgress(
      createProgressRelay(() => [
        {
          id: 1,
          getURL: () => MAIN_FRAME.url,
          isDestroyed: () => false,
          send: (channel, event) => {
            for (const r of sse) r.write(`data: ${JSON.stringify([channel, event])}\n\n`);
          },
        },
      ]),
    );
    server = http.createServer((req, res) => {
      void (async () => {
        const url = req.url ?? '/';
        if (url === '/ipc-events') {
          res.writeHead(200, { 'Content-Type': 'text/event-stream' });
          sse.add(res);
          return;
        }
        if (url.startsWith('/ipc/') && req.method === 'POST') {
          let body = '';
          for await (const chunk of req) body += String(chunk);
          const reply = await router.invoke(
            decodeURIComponent(url.slice('/ipc/'.length)),
            { sender: { id: 1 }, senderFrame: MAIN_FRAME },
            JSON.parse(body),
          );
          res.writeHead(200, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify(reply));
          return;
        }
        const response = await serveAppRequest(
          { url: `app://sealsight${url}`, method: req.method ?? 'GET' },
          rendererDir,
        );
        res.writeHead(response.status, Object.fromEntries(response.headers));
        res.end(Buffer.from(await response.arrayBuffer()));
      })();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', ...CHROMIUM_ARGS],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 820 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.exposeFunction('__violation', (v: string) => violations.push(v));
    await page.addInitScript({
      content: `
        document.addEventListener('securitypolicyviolation', (e) =>
          window.__violation(e.violatedDirective + ' ' + e.blockedURI));
        (() => {
          const ipcRenderer = ${PAGE_IPC};
          const contextBridge = { exposeInMainWorld: (key, api) => { window[key] = api; } };
          const require = (name) => {
            if (name !== 'electron') throw new Error('preload required ' + name);
            return { contextBridge, ipcRenderer };
          };
          const module = { exports: {} };
          ${preloadCode}
        })();`,
    });
    const { port } = server.address() as AddressInfo;
    await page.goto(`http://127.0.0.1:${port}/index.html`);
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    for (const r of sse) r.end();
    server?.close();
    await service?.dispose();
    await temp?.cleanup();
  });

  it('creates, locks and unlocks a vault from the UI, with no CSP violation or page error', async () => {
    // window.api is the preload's: the contract's methods plus onProgress and cancel.
    expect(await page.evaluate('Object.keys(window.api).length')).toBe(
      IPC_CHANNEL_NAMES.length + 2,
    );
    const vault = path.join(temp.dir, 'vault');
    await page.getByRole('tab', { name: 'Create a vault' }).click();
    await page.locator('input[name=dir]').fill(vault);
    await page.locator('input[name=passphrase]').fill('correct horse battery staple');
    await page.locator('input[name=confirm]').fill('correct horse battery staple');
    await page.getByRole('button', { name: 'Create vault' }).click();
    await expect.poll(() => page.getByText('Unlocked').count(), { timeout: 60_000 }).toBe(1);
    expect(await service.handle('vault:status', {})).toMatchObject({
      state: 'unlocked',
      dir: vault,
    });

    await page.getByRole('button', { name: 'Lock', exact: true }).click();
    await expect.poll(() => page.getByText('Locked', { exact: true }).count()).toBe(1);
    expect(await service.handle('vault:status', {})).toMatchObject({ state: 'locked' });

    // A wrong passphrase comes back through the envelope as a readable message.
    await page.locator('input[name=dir]').fill(vault);
    await page.locator('input[name=passphrase]').fill('not the passphrase');
    await page.getByRole('button', { name: 'Unlock', exact: true }).click();
    await expect.poll(() => page.getByRole('alert').first().textContent()).toMatch(/passphrase/i);

    expect(violations).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
