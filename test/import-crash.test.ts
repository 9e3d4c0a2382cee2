// Crash safety: SIGKILL the CLI import at several random points; each time the
// catalogue must open, pass PRAGMA integrity_check, show no half-imported image,
// and authenticate; a final re-run must complete the import.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import Database from 'better-sqlite3';
import { CATALOGUE_FILE, initVault, openVault, verifyVault } from '../src-main/engine/index.ts';
import { CLI, makeTempDir, sampleVariants } from './helpers/fixtures.ts';

const PASS = 'crash test passphrase';
const env = { ...process.env, SEALSIGHT_PASSPHRASE: PASS };

let tmp: Awaited<ReturnType<typeof makeTempDir>>;
beforeAll(async () => {
  tmp = await makeTempDir();
});
afterAll(() => tmp.cleanup());

function imageCount(vaultDir: string): number {
  const db = new Database(path.join(vaultDir, CATALOGUE_FILE), {
    readonly: true,
    fileMustExist: true,
  });
  try {
    return db.prepare('SELECT count(*) FROM images').pluck().get() as number;
  } finally {
    db.close();
  }
}

/** Starts an import and SIGKILLs it once the catalogue holds at least `killAt` images. */
async function importAndKill(
  vaultDir: string,
  folder: string,
  killAt: number,
): Promise<number | null> {
  const child = spawn(
    process.execPath,
    [CLI, 'import', vaultDir, folder, '--labels-from-folders', '--json'],
    {
      env,
      stdio: 'ignore',
    },
  );
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let done = false;
  void exited.then(() => (done = true));
  while (!done) {
    await new Promise((r) => setTimeout(r, 15));
    let count: number;
    try {
      count = imageCount(vaultDir);
    } catch {
      continue; // catalogue busy or being recovered: look again
    }
    if (count >= killAt) {
      child.kill('SIGKILL');
      break;
    }
  }
  return exited;
}

function checkConsistent(vaultDir: string): number {
  const db = new Database(path.join(vaultDir, CATALOGUE_FILE), { fileMustExist: true });
  try {
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(db.pragma('foreign_key_check')).toEqual([]);
    // Each image is whole: its sealed blobs and at least one CKKS row (the layout inside the
    // sealed metadata is checked by verify, which the resumed import's test runs).
    const broken = db
      .prepare(
        `SELECT i.uid, i.rest IS NOT NULL AND i.meta IS NOT NULL AND i.original IS NOT NULL AS whole,
           (SELECT count(*) FROM ckks_ciphertexts k WHERE k.image_id = i.id) AS ciphertexts
         FROM images i`,
      )
      .all() as Array<{ uid: string; whole: number; ciphertexts: number }>;
    for (const row of broken) {
      expect(row.whole).toBe(1);
      expect(row.ciphertexts).toBeGreaterThanOrEqual(1);
    }
    return broken.length;
  } finally {
    db.close();
  }
}

it('survives SIGKILL at random points and resumes', async () => {
  const folder = path.join(tmp.dir, 'in');
  const images = await sampleVariants(folder, 6);
  const vaultDir = path.join(tmp.dir, 'vault');
  await initVault(vaultDir, PASS, { kdf: { logN: 14 } });

  const killPoints = [3, 11, 19, 27].map((base) => base + Math.floor(Math.random() * 6));
  let previous = 0;
  for (const killAt of killPoints) {
    const code = await importAndKill(vaultDir, folder, killAt);
    const count = checkConsistent(vaultDir);
    expect(count).toBeGreaterThanOrEqual(previous); // nothing already stored is lost
    previous = count;
    if (code === 0) break; // finished before the kill point
  }
  const vault = await openVault(vaultDir, PASS);
  try {
    expect(verifyVault(vault).problems).toEqual([]);
  } finally {
    vault.close();
  }

  const rerun = spawnSync(
    process.execPath,
    [CLI, 'import', vaultDir, folder, '--labels-from-folders', '--json'],
    {
      env,
      encoding: 'utf8',
    },
  );
  expect(rerun.status, rerun.stderr).toBe(0);
  const report = JSON.parse(rerun.stdout) as {
    imported: number;
    duplicates: number;
    failed: unknown[];
  };
  expect(report.failed).toEqual([]);
  expect(report.imported + report.duplicates).toBe(images.length);
  expect(report.duplicates).toBe(previous);
  expect(checkConsistent(vaultDir)).toBe(images.length);
});

it('Ctrl-C cancels cleanly: in-flight images finish, the report says cancelled, a re-run resumes', async () => {
  const folder = path.join(tmp.dir, 'in-cancel');
  const images = await sampleVariants(folder, 4, 6);
  const vaultDir = path.join(tmp.dir, 'vault-cancel');
  await initVault(vaultDir, PASS, { kdf: { logN: 14 } });

  const child = spawn(process.execPath, [CLI, 'import', vaultDir, folder, '--json'], { env });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  for (;;) {
    await new Promise((r) => setTimeout(r, 15));
    const count = (() => {
      try {
        return imageCount(vaultDir);
      } catch {
        return 0;
      }
    })();
    if (count >= 3) break;
  }
  child.kill('SIGINT');
  const code = await exited;
  const report = JSON.parse(stdout) as { cancelled: boolean; imported: number };
  expect(code).toBe(130);
  expect(report.cancelled).toBe(true);
  expect(report.imported).toBeLessThan(images.length);
  expect(checkConsistent(vaultDir)).toBe(report.imported);

  const rerun = spawnSync(process.execPath, [CLI, 'import', vaultDir, folder, '--json'], {
    env,
    encoding: 'utf8',
  });
  expect(rerun.status, rerun.stderr).toBe(0);
  const second = JSON.parse(rerun.stdout) as { imported: number; duplicates: number };
  expect(second.duplicates).toBe(report.imported);
  expect(checkConsistent(vaultDir)).toBe(images.length);
});
