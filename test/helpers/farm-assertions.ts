// What every farm test checks at its end: the farm's stored results are local evaluation's
// (same images, same class, scores within the CKKS tolerance), and a vault that must not
// have been touched is byte for byte what it was.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'vitest';
import type { StoredClassification } from '../../src-main/engine/index.ts';

export function expectSameClassifications(
  got: ReadonlyMap<string, StoredClassification>,
  expected: ReadonlyMap<string, StoredClassification>,
): void {
  expect([...got.keys()].sort()).toEqual([...expected.keys()].sort());
  for (const [uid, want] of expected) {
    const result = got.get(uid)!;
    expect(result.predicted, uid).toBe(want.predicted);
    result.scores.forEach((score, c) =>
      expect(Math.abs(score - want.scores[c]!), uid).toBeLessThan(1e-3),
    );
    // The sealed search embedding comes through the farm too, from the same head.
    expect(result.embeddingHeadId, uid).toBe(want.embeddingHeadId);
    if (want.embedding) {
      const cosine = want.embedding.reduce((s, v, i) => s + v * result.embedding![i]!, 0);
      expect(cosine, uid).toBeGreaterThan(0.99);
    }
  }
}

/** sha256 of every file of the vault folder, by name. */
export async function vaultDigests(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(dir)).sort())
    out[name] = createHash('sha256')
      .update(await readFile(path.join(dir, name)))
      .digest('hex');
  return out;
}
