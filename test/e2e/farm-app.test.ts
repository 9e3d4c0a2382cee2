// End-to-end on an evaluation farm: the built renderer in Debian's Chromium (playwright-core),
// served by the preview server over the real AppService, a redis-server of the test's own
// and two `sealsight evaluator` child processes. The user unlocks a vault of six bundled
// samples, chooses "an evaluation farm" on the Model screen (a URL that is not a broker's
// is refused there; the password field is write-only), classifies under encryption, and
// the report says it ran on the farm; the stored results equal those of local evaluation
// of the same vault. A narrow random ensemble keeps the encrypted passes to seconds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';
import {
  classifyVault,
  importFolder,
  initVault,
  loadModel,
  openVault,
  readClassifications,
} from '../../src-main/engine/index.ts';
import type { StoredClassification } from '../../src-main/engine/index.ts';
import { createAppService } from '../../src-main/app/app-service.ts';
import type { AppService } from '../../src-main/app/app-service.ts';
import { startPreviewServer } from '../../src-main/preview/preview-server.ts';
import type { PreviewServer } from '../../src-main/preview/preview-server.ts';
import type { ProgressEvent } from '../../src-shared/contract/ipc.ts';
import { buildRenderer, CHROMIUM, CHROMIUM_ARGS } from '../helpers/chromium.ts';
import { expectSameClassifications } from '../helpers/farm-assertions.ts';
import { startNode, type TestNode } from '../helpers/evaluator-nodes.ts';
import { labelledFolder, makeTempDir, REPO_ROOT, sampleImages } from '../helpers/fixtures.ts';
import { withCatalogueFile } from '../helpers/catalogue-file.ts';
import { writeNarrowEnsembleModel } from '../helpers/narrow-model.ts';
import { startRedisServer, type RedisTestServer } from '../helpers/redis-server.ts';

const SHOTS = path.join(REPO_ROOT, 'test-results', 'e2e');
const PASSPHRASE = 'farm e2e Passphrase 93!';

let tmp: Awaited<ReturnType<typeof makeTempDir>>;
let redis: RedisTestServer;
let nodes: TestNode[] = [];
let vaultDir: string;
let modelId: string;
let local: Map<string, StoredClassification>;
let service: AppService;
let server: PreviewServer;
let context: BrowserContext;
let page: Page;
const events: ProgressEvent[] = [];
const requests: string[] = [];

async function nav(screen: string): Promise<void> {
  await page.getByRole('navigation').getByRole('button', { name: screen, exact: true }).click();
  await expect.poll(() => page.locator('h1').textContent()).toBe(screen);
}

/** The vault and its reference results: classified on this computer, those results removed. */
async function vaultWithLocalResults(modelFile: string, folder: string): Promise<void> {
  vaultDir = path.join(tmp.dir, 'vault');
  await initVault(vaultDir, PASSPHRASE, { kdf: { logN: 14 } });
  const vault = await openVault(vaultDir, PASSPHRASE);
  try {
    await importFolder(vault, folder, { labelsFromFolders: true, threshold: 100 });
    const report = await classifyVault(vault, { model: await loadModel(modelFile), workers: 2 });
    expect(report.classified).toHaveLength(6);
    modelId = report.modelId;
    local = readClassifications(vault, modelId);
    withCatalogueFile(vaultDir, (db) => db.prepare('DELETE FROM classifications').run());
  } finally {
    vault.close();
  }
}

describe('desktop app on an evaluation farm in Chromium (preview server, real engine)', () => {
  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(
        `no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set SEALSIGHT_CHROMIUM)`,
      );
    tmp = await makeTempDir('sealsight-e2e-farm-');
    await mkdir(SHOTS, { recursive: true });
    const rendererDir = path.join(tmp.dir, 'renderer');
    const images = await sampleImages(1);
    const folder = path.join(tmp.dir, 'inspection');
    await labelledFolder(folder, images);
    const modelFile = path.join(tmp.dir, 'model.json');
    await writeNarrowEnsembleModel(
      modelFile,
      images.map((i) => i.file),
    );
    redis = await startRedisServer({ password: true });
    const startNodes = async () => {
      nodes = await Promise.all([
        startNode(redis.url, 'e2e-node-a'),
        startNode(redis.url, 'e2e-node-b'),
      ]);
    };
    await Promise.all([
      buildRenderer(rendererDir),
      vaultWithLocalResults(modelFile, folder),
      startNodes(),
    ]);
    service = createAppService({
      stateDir: path.join(tmp.dir, 'state'),
      idleLockMs: 0,
      workers: 2,
      shippedModelFile: modelFile,
    });
    service.onProgress((event) => events.push(event));
    server = await startPreviewServer({ service, rendererDir });
    context = await chromium.launchPersistentContext(path.join(tmp.dir, 'chromium-profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: [...CHROMIUM_ARGS],
      viewport: { width: 1280, height: 860 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('request', (request) => requests.push(request.url()));
  }, 240_000);

  afterAll(async () => {
    await context?.close();
    await server?.close();
    await service?.dispose();
    await Promise.all(nodes.map((n) => n.stop('SIGKILL')));
    await redis?.stop();
    await tmp?.cleanup();
  });

  it('sets the farm on the Model screen: a wrong URL is refused, the password never shown', async () => {
    await page.goto(server.url);
    await expect.poll(() => page.locator('h1').textContent()).toBe('Vault');
    await page.getByLabel('Vault folder').fill(vaultDir);
    await page.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE);
    await page.getByRole('button', { name: 'Unlock' }).click();
    await expect.poll(() => page.locator('h1').textContent(), { timeout: 30_000 }).toBe('Import');
    await nav('Model');
    const panel = page.getByRole('form', { name: 'Evaluate on' });
    await panel.getByRole('radio', { name: 'an evaluation farm' }).check();
    await panel.getByLabel('Broker URL').fill(`http://127.0.0.1:${redis.port}`);
    await panel.getByRole('button', { name: 'Save' }).click();
    await expect
      .poll(() => panel.getByRole('alert').textContent())
      .toBe('Broker URL: a broker URL starts with redis:// (or rediss:// for TLS)');
    await panel.getByLabel('Broker URL').fill(`redis://127.0.0.1:${redis.port}`);
    await panel.getByLabel('Broker password').fill(redis.password!);
    await panel.getByRole('button', { name: 'Save' }).click();
    await expect
      .poll(() => panel.getByTestId('evaluation-saved').textContent())
      .toBe(
        `Saved: classification runs on the evaluation farm at redis://127.0.0.1:${redis.port} (password set).`,
      );
    expect(await panel.getByLabel('Broker password').inputValue()).toBe('');
    expect(await panel.getByTestId('password-state').textContent()).toBe('password: set');
  });

  it('classifies through two evaluator nodes with the results of local evaluation', async () => {
    await page.getByRole('button', { name: 'Classify under encryption' }).click();
    const report = page.getByTestId('classify-report');
    await report.waitFor({ timeout: 150_000 });
    expect(await report.textContent()).toMatch(
      new RegExp(
        `^6 classified under encryption on the evaluation farm at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${redis.port} in `,
      ),
    );
    await expect.poll(() => page.getByTestId('job-counts').textContent()).toMatch(/^6 \/ 6/);
    await page.screenshot({ path: path.join(SHOTS, 'farm-classified.png'), fullPage: true });
    const classify = events.filter((e) => e.kind === 'classify');
    expect(classify.some((e) => e.phase === 'running' && e.metrics?.nodes === 2)).toBe(true);
    expect(classify.at(-1)!.phase).toBe('done');
    expect(await page.content()).not.toContain(redis.password!);
    // Offline but for the broker, which only the main side talks to.
    expect(requests.filter((url) => !url.startsWith(`${server.origin}/`))).toEqual([]);

    await service.handle('vault:lock', {});
    const vault = await openVault(vaultDir, PASSPHRASE);
    try {
      expectSameClassifications(readClassifications(vault, modelId), local);
    } finally {
      vault.close();
    }
    for (const node of nodes.splice(0)) expect(await node.stop('SIGTERM')).toBe(0);
  }, 180_000);
});
