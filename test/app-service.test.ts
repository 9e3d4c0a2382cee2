// The AppService on the real engine (no Electron, no browser): contract validation at the
// boundary, idle lock, review state and CSV, and what never crosses to the renderer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createAppService } from '../src-main/app/app-service.ts';
import type { AppService } from '../src-main/app/app-service.ts';
import { checkResponse } from '../src-main/app/renderer-boundary.ts';
import { REPO_ROOT, makeTempDir } from './helpers/fixtures.ts';

const PASS = 'correct horse battery staple';
let tmp: { dir: string; cleanup(): Promise<void> };
let service: AppService;

async function listing(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { recursive: true })) {
    const s = await stat(path.join(dir, entry));
    out.push(`${entry}:${s.isFile() ? s.size : 'dir'}`);
  }
  return out.sort();
}

beforeAll(async () => {
  tmp = await makeTempDir('sealsight-app-');
  service = createAppService({
    stateDir: path.join(tmp.dir, 'state'),
    idleLockMs: 0,
    kdf: { logN: 14 },
    workers: 2,
  });
});
afterAll(async () => {
  await service.dispose();
  await tmp.cleanup();
});

describe('AppService', () => {
  it('rejects malformed payloads and unknown channels with invalid-request', async () => {
    await expect(
      service.handle('vault:create', { dir: 'x', passphrase: 'short' }),
    ).rejects.toMatchObject({
      code: 'invalid-request',
    });
    await expect(
      service.handle('vault:unlock', { dir: 'x', passphrase: 'p', extra: 1 }),
    ).rejects.toMatchObject({
      code: 'invalid-request',
    });
    await expect(service.handle('shell:exec', {})).rejects.toMatchObject({
      code: 'invalid-request',
    });
    await expect(service.handle('images:list', {})).rejects.toMatchObject({ code: 'locked' });
  });

  it('creates, imports, relabels, marks reviewed and exports CSV; never returns the passphrase', async () => {
    const dir = path.join(tmp.dir, 'vault');
    const created = await service.handle('vault:create', { dir, passphrase: PASS });
    expect(created).toMatchObject({ state: 'unlocked', dir, imageCount: 0 });
    const report = (await service.handle('import:run', {
      jobId: 'job-import-1',
      folder: path.join(REPO_ROOT, 'assets', 'samples', 'neu-cls'),
      labelsFromFolders: true,
      threshold: 100,
    })) as { imported: number };
    expect(report.imported).toBe(12);
    const { items } = (await service.handle('images:list', {})) as {
      items: Array<{ id: string; name: string; label: string; reviewed: boolean }>;
    };
    expect(items).toHaveLength(12);
    const target = items.find((i) => i.name === 'crazing/Cr_10.bmp')!;

    const before = await listing(tmp.dir);
    const thumb = (await service.handle('images:thumbnail', { id: target.id, size: 64 })) as {
      dataUrl: string;
    };
    expect(thumb.dataUrl).toMatch(/^data:image\/png;base64,/);
    expect(await listing(tmp.dir)).toEqual(before); // thumbnails never touch the disk

    const relabelled = (await service.handle('review:set-label', {
      id: target.id,
      label: 'scratches',
    })) as {
      label: string;
    };
    expect(relabelled.label).toBe('scratches');
    const reviewed = (await service.handle('review:set-reviewed', {
      id: target.id,
      reviewed: true,
    })) as {
      reviewed: boolean;
    };
    expect(reviewed.reviewed).toBe(true);
    const { csv, rows } = (await service.handle('review:export-csv', {})) as {
      csv: string;
      rows: number;
    };
    expect(rows).toBe(12);
    expect(csv).toContain(`${target.id},crazing/Cr_10.bmp,scratches,,,true,\r\n`);
    expect(csv.split('\r\n').filter((l) => l.endsWith(',false,'))).toHaveLength(11);

    // The label survives a lock/unlock (it lives in the encrypted metadata).
    await service.handle('vault:lock', {});
    const unlocked = await service.handle('vault:unlock', { dir, passphrase: PASS });
    expect(JSON.stringify(unlocked)).not.toContain(PASS);
    const again = (await service.handle('images:list', {})) as { items: typeof items };
    expect(again.items.find((i) => i.id === target.id)).toMatchObject({
      label: 'scratches',
      reviewed: true,
    });
    await expect(
      service.handle('vault:unlock', { dir, passphrase: 'wrong passphrase' }),
    ).rejects.toThrow();
    expect(await service.handle('vault:status', {})).toMatchObject({ state: 'locked' });
  });

  it('cancels a training job: the call rejects as cancelled and no model is stored', async () => {
    await service.handle('vault:unlock', { dir: path.join(tmp.dir, 'vault'), passphrase: PASS });
    const seen: string[] = [];
    const firstEpoch = new Promise<void>((resolve) => {
      const off = service.onProgress((event) => {
        seen.push(`${event.kind}:${event.phase}`);
        if (event.kind === 'train' && event.metrics?.epoch !== undefined) {
          off();
          resolve();
        }
      });
    });
    const training = service.handle('model:train', {
      jobId: 'job-train-cancel',
      epochs: 500,
      validationFraction: 0,
    });
    await firstEpoch;
    await expect(
      service.handle('model:train', { jobId: 'job-train-2', epochs: 1, validationFraction: 0 }),
    ).rejects.toThrow(/another job is running/);
    expect(await service.handle('job:cancel', { jobId: 'job-train-cancel' })).toEqual({
      cancelled: true,
    });
    await expect(training).rejects.toMatchObject({ code: 'cancelled' });
    expect(await service.handle('job:cancel', { jobId: 'job-train-cancel' })).toEqual({
      cancelled: false,
    });
    const { models } = (await service.handle('model:list', {})) as {
      models: Array<{ source: string }>;
    };
    expect(models.map((m) => m.source)).toEqual(['shipped']);
    await service.handle('vault:lock', {});
  });

  it('never searches a steel vault with a model from another domain (only the shipped models)', async () => {
    // The service's default model folder holds the runtime models we ship, no demo model.
    const shippedOnly = createAppService({
      stateDir: path.join(tmp.dir, 'state-obf'),
      kdf: { logN: 14 },
    });
    // The demo models, were a user to install them: refused by name.
    const withDemos = createAppService({
      stateDir: path.join(tmp.dir, 'state-demo'),
      kdf: { logN: 14 },
      obfModelFiles: ['obf-mednist.json', 'obf-mnist.json'].map((f) =>
        path.join(REPO_ROOT, 'assets', 'demo-models', f),
      ),
    });
    try {
      for (const app of [shippedOnly, withDemos])
        await app.handle('vault:unlock', { dir: path.join(tmp.dir, 'vault'), passphrase: PASS });
      const { items } = (await shippedOnly.handle('images:list', {})) as {
        items: Array<{ id: string }>;
      };
      const info = async (app: AppService) =>
        ((await app.handle('app:info', {})) as { search: { available: boolean; reason: string } })
          .search;
      const search = await info(shippedOnly);
      expect(search.available).toBe(false);
      expect(search.reason).toMatch(
        /no obfuscated-tier model is trained on this vault or installed/,
      );
      expect(search.reason).toMatch(/Train search model/);
      const refused = shippedOnly.handle('search:similar', {
        jobId: 'job-search-refused',
        tier: 'obfuscated',
        id: items[0]!.id,
        k: 5,
      });
      await expect(refused).rejects.toMatchObject({ code: 'not-available' });
      // The sealed tier needs no such model, but the shipped model must have classified
      // the images first: it says so.
      const sealedEarly = shippedOnly.handle('search:similar', {
        jobId: 'job-search-sealed-early',
        tier: 'sealed',
        id: items[0]!.id,
        k: 5,
      });
      await expect(sealedEarly).rejects.toMatchObject({
        code: 'not-available',
        message: expect.stringMatching(/Sealed search is not available yet: .*classify/),
      });
      const demo = await info(withDemos);
      expect(demo.available).toBe(false);
      expect(demo.reason).toMatch(/obf-mednist\.json was trained on other classes/);
      const refusedDemo = withDemos.handle('search:similar', {
        jobId: 'job-search-demo',
        tier: 'obfuscated',
        id: items[0]!.id,
        k: 5,
      });
      await expect(refusedDemo).rejects.toThrow(/obf-mnist\.json was trained on other classes/);
    } finally {
      await shippedOnly.dispose();
      await withDemos.dispose();
    }
  });

  it('trains a search model on the vault (progress, ETA), then finds similar images with it', async () => {
    const events: Array<{ jobId: string; kind: string; phase: string; etaSeconds: number | null }> =
      [];
    const unsubscribe = service.onProgress((event) => events.push(event));
    await service.handle('vault:unlock', { dir: path.join(tmp.dir, 'vault'), passphrase: PASS });
    try {
      // Cancelled mid-training: the call rejects as cancelled and no model is stored.
      const firstStep = new Promise<void>((resolve) => {
        const off = service.onProgress((event) => {
          if (event.jobId === 'job-train-search-cancel' && event.metrics?.epoch !== undefined) {
            off();
            resolve();
          }
        });
      });
      const cancelled = service.handle('search:train-model', {
        jobId: 'job-train-search-cancel',
        epochs: 200,
        validationFraction: 0,
      });
      await firstStep;
      expect(await service.handle('job:cancel', { jobId: 'job-train-search-cancel' })).toEqual({
        cancelled: true,
      });
      await expect(cancelled).rejects.toMatchObject({ code: 'cancelled' });
      const before = (await service.handle('app:info', {})) as { search: { available: boolean } };
      expect(before.search.available).toBe(false);

      const report = (await service.handle('search:train-model', {
        jobId: 'job-train-search',
        epochs: 20,
        validationFraction: 0,
      })) as { modelId: string; images: { train: number }; classes: string[] };
      expect(report.images.train).toBe(12);
      const training = events.filter((e) => e.jobId === 'job-train-search');
      expect(training.some((e) => e.phase === 'running' && e.etaSeconds !== null)).toBe(true);
      expect(training.at(-1)!.phase).toBe('done');
      const { search } = (await service.handle('app:info', {})) as {
        search: { available: boolean; reason: string };
      };
      expect(search).toEqual({
        available: true,
        reason: `Obfuscated-tier model: vault model ${report.modelId} (trained on this vault, under its own key).`,
      });
      const { items } = (await service.handle('images:list', {})) as {
        items: Array<{ id: string; name: string; label: string }>;
      };
      const query = items.find((i) => i.name === 'scratches/Sc_10.bmp')!;
      const found = (await service.handle('search:similar', {
        jobId: 'job-search-1',
        tier: 'obfuscated',
        id: query.id,
        k: 3,
      })) as { modelId: string; newlyIndexed: number; results: Array<{ label: string }> };
      expect(found.modelId).toBe(report.modelId);
      expect(found.newlyIndexed).toBe(12);
      expect(found.results).toHaveLength(3);
      expect(found.results[0]!.label).toBe('scratches');
      expect(events.some((e) => e.jobId === 'job-search-1' && e.kind === 'search')).toBe(true);
      const again = (await service.handle('search:similar', {
        jobId: 'job-search-2',
        tier: 'obfuscated',
        id: query.id,
        k: 3,
      })) as { newlyIndexed: number };
      expect(again.newlyIndexed).toBe(0);
    } finally {
      unsubscribe();
      await service.handle('vault:lock', {});
    }
  }, 120_000);

  it('says so when it unlocked from the header backup', async () => {
    const dir = path.join(tmp.dir, 'vault');
    await service.handle('vault:lock', {});
    await writeFile(path.join(dir, 'vault.json'), '');
    const status = await service.handle('vault:unlock', { dir, passphrase: PASS });
    expect(status).toMatchObject({ state: 'unlocked', headerRestoredFromBackup: true });
    expect((await readFile(path.join(dir, 'vault.json'))).length).toBeGreaterThan(0);
    await service.handle('vault:lock', {});
    expect(await service.handle('vault:unlock', { dir, passphrase: PASS })).toMatchObject({
      headerRestoredFromBackup: false,
    });
  });

  it('locks itself after the idle time', async () => {
    const idle = createAppService({
      stateDir: path.join(tmp.dir, 'state2'),
      idleLockMs: 150,
      kdf: { logN: 14 },
    });
    try {
      await idle.handle('vault:unlock', { dir: path.join(tmp.dir, 'vault'), passphrase: PASS });
      expect(await idle.handle('vault:status', {})).toMatchObject({ state: 'unlocked' });
      await new Promise((r) => setTimeout(r, 400));
      expect(await idle.handle('vault:status', {})).toMatchObject({
        state: 'locked',
        lockedReason: 'idle',
      });
    } finally {
      await idle.dispose();
    }
  });

  it('offers the folder dialog only when the shell injects one', async () => {
    expect(await service.handle('app:info', {})).toMatchObject({ folderPicker: false });
    await expect(
      service.handle('dialog:choose-folder', { purpose: 'import' }),
    ).rejects.toMatchObject({
      code: 'not-available',
    });
    const asked: string[] = [];
    const withDialog = createAppService({
      stateDir: path.join(tmp.dir, 'state3'),
      chooseFolder: async (purpose) => (
        asked.push(purpose),
        purpose === 'vault' ? '/chosen/vault' : null
      ),
    });
    try {
      expect(await withDialog.handle('app:info', {})).toMatchObject({ folderPicker: true });
      expect(await withDialog.handle('dialog:choose-folder', { purpose: 'vault' })).toEqual({
        path: '/chosen/vault',
      });
      expect(await withDialog.handle('dialog:choose-folder', { purpose: 'import' })).toEqual({
        path: null,
      });
      expect(asked).toEqual(['vault', 'import']);
    } finally {
      await withDialog.dispose();
    }
  });

  it('refuses to send a response the contract does not allow', () => {
    const status = {
      state: 'locked',
      dir: null,
      imageCount: 0,
      idleLockSeconds: 0,
      lockedReason: null,
      headerRestoredFromBackup: false,
      recent: [],
    };
    expect(checkResponse('vault:status', status)).toEqual(status);
    expect(() => checkResponse('vault:status', { ...status, masterKey: 'aa' })).toThrow(/contract/);
  });
});
