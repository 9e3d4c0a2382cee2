// The security-report command end to end, on the bundled NEU samples (12 images) at 32×32.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile, cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const CLI = path.join(ROOT, 'bin', 'sealsight.mjs');
const SAMPLES = path.join(ROOT, 'assets', 'samples', 'neu-cls');

function sealsight(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('sealsight security-report', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'sealsight-security-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('analyses a folder, labels the tier, writes charts and one JSON document; the key stays secret', async () => {
    const folder = path.join(dir, 'images');
    await cp(SAMPLES, folder, { recursive: true });
    await writeFile(path.join(folder, 'broken.png'), 'not an image at all');
    const keyHex = 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90';
    const keyFile = path.join(dir, 'key.hex');
    await writeFile(keyFile, `${keyHex}\n`);
    const out = path.join(dir, 'out');
    const r = sealsight([
      'security-report',
      folder,
      '--size',
      '32',
      '--out',
      out,
      '--key-file',
      keyFile,
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(1);
    const doc = JSON.parse(r.stdout) as Record<string, unknown> & {
      onePixel: { meanNpcr: number };
      chosenPlaintext: { decryption: { exactImages: number } }[];
      failed: { file: string; reason: string }[];
    };
    expect(doc.tier).toMatch(/not secure against known or chosen plaintexts; use the sealed tier/);
    expect(doc.images).toBe(12);
    expect(doc.size).toBe(32);
    expect(doc.onePixel.meanNpcr).toBe(1 / 1024);
    expect(doc.chosenPlaintext[0]!.decryption.exactImages).toBe(12);
    expect(doc.failed).toEqual([{ file: 'broken.png', reason: expect.stringMatching(/text/) }]);
    expect(r.stderr).toContain('could not read broken.png');
    expect(r.stderr).toContain('not secure against known or chosen plaintexts');
    expect((await readdir(out)).sort()).toEqual([
      'correlation.svg',
      'entropy.svg',
      'examples.png',
      'histogram-arnold-xor.svg',
      'histogram-plaintext.svg',
      'security-report.json',
    ]);
    for (const text of [
      r.stdout,
      r.stderr,
      await readFile(path.join(out, 'security-report.json'), 'utf8'),
    ]) {
      expect(text.toLowerCase()).not.toContain(keyHex.slice(0, 12));
    }
    // 4 example rows (plaintext | Arnold | Arnold+XOR | recovery) of 32×32 tiles enlarged 2×.
    const { width, height } = await sharp(path.join(out, 'examples.png')).metadata();
    expect([width, height]).toEqual([4 * 64 + 5 * 4, 4 * 64 + 5 * 4]);
    expect((doc as unknown as { exampleNames: string[] }).exampleNames).toHaveLength(4);
    // Same key file, same figures: the report is reproducible.
    const again = JSON.parse(
      sealsight(['security-report', folder, '--size', '32', '--key-file', keyFile, '--json'])
        .stdout,
    );
    expect(again.conditions).toEqual(doc.conditions);
  });

  it('prints readable text without --json, and clear usage errors', async () => {
    const r = sealsight(['security-report', SAMPLES, '--size', '16']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('TIER: obfuscation under a fixed key');
    expect(r.stdout).toMatch(/generic\s+2 chosen images/); // 16×16 = 256 positions: one label byte
    const bad = sealsight(['security-report', SAMPLES, '--size', '1', '--json']);
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout).error).toMatch(/--size must be a whole number in 2\.\.4096/);
    const badKey = path.join(dir, 'short.key');
    await writeFile(badKey, 'abc');
    const k = sealsight(['security-report', SAMPLES, '--key-file', badKey, '--json']);
    expect(k.code).toBe(1);
    expect(JSON.parse(k.stdout).error).toMatch(
      /32 raw bytes or 64 hex characters \(it has 3 bytes\)/,
    );
  });
});
