import { describe, expect, it } from 'vitest';
import { accumulateQuery, jsBlockProduct, l2Normalise, retrievalMetrics } from './retrieval.ts';

describe('retrieval metrics', () => {
  it('AP and P@k of a hand-made ranking', () => {
    // Query 0 (class 0) against 5 others; scores rank them 1, 2, 3, 4, 5 as listed.
    // Ranking: item1 (rel), item2 (irrelevant), item3 (rel), item4 (irrelevant), item5 (rel).
    // AP = (1/3)·(1/1 + 2/3 + 3/5) = 0.755555…; P@2 = 1/2; P@4 = 2/4.
    const labels = [0, 0, 1, 0, 1, 0];
    const scores = Float32Array.from([1, 0.9, 0.8, 0.7, 0.6, 0.5]);
    const { ap, hitsAt } = accumulateQuery(scores, 0, labels, [2, 4]);
    expect(ap).toBeCloseTo((1 + 2 / 3 + 3 / 5) / 3, 12);
    expect(hitsAt).toEqual([1, 2]);
  });

  it('ranks ties pessimistically and skips the query itself', () => {
    // The relevant item ties with an irrelevant one: it counts as rank 2.
    const labels = [0, 1, 0];
    const scores = Float32Array.from([9, 0.5, 0.5]);
    const { ap, hitsAt } = accumulateQuery(scores, 0, labels, [1]);
    expect(ap).toBeCloseTo(1 / 2, 12);
    expect(hitsAt).toEqual([0]);
  });

  it('mAP and P@k over a set, blocked, equal the per-query figures', async () => {
    // 2-d embeddings: class 0 near (1, 0), class 1 near (0, 1), one class-1 item on the wrong side.
    const raw = Float32Array.from([1, 0, 0.9, 0.1, 0.8, 0.3, 0, 1, 0.2, 0.9, 0.95, 0.2]);
    const labels = [0, 0, 0, 1, 1, 1];
    const emb = l2Normalise(raw, 2);
    const metrics = await retrievalMetrics(emb, 2, labels, { ks: [1, 2], blockRows: 4 });
    const full = jsBlockProduct(emb, 6, emb, 6, 2) as Float32Array;
    let apSum = 0;
    const hits = [0, 0];
    for (let q = 0; q < 6; q++) {
      const r = accumulateQuery(full.subarray(q * 6, q * 6 + 6), q, labels, [1, 2]);
      apSum += r.ap!;
      hits[0]! += r.hitsAt[0]!;
      hits[1]! += r.hitsAt[1]!;
    }
    expect(metrics.mAP).toBeCloseTo(apSum / 6, 12);
    expect(metrics.precisionAt['1']).toBeCloseTo(hits[0]! / 6, 12);
    expect(metrics.precisionAt['2']).toBeCloseTo(hits[1]! / 12, 12);
    // Query 5 (class 1, at (0.95, 0.2)), by hand: cosines to items 0..4 ≈ 0.978, 0.995,
    // 0.988, 0.206, 0.413 → order 1, 2, 0, 4, 3;
    // relevant (class 1) items 3 and 4 sit at ranks 5 and 4 → AP = (1/4 + 2/5) / 2 = 0.325.
    const q5 = accumulateQuery(full.subarray(30, 36), 5, labels, [1]);
    expect(q5.ap).toBeCloseTo(0.325, 12);
    expect(metrics.mAP).toBeLessThan(1);
  });

  it('a perfect embedding scores mAP 1', async () => {
    const emb = l2Normalise(Float32Array.from([1, 0, 1, 0.01, 0, 1, 0.01, 1]), 2);
    const metrics = await retrievalMetrics(emb, 2, [0, 0, 1, 1], { ks: [1] });
    expect(metrics.mAP).toBe(1);
    expect(metrics.precisionAt['1']).toBe(1);
  });
});
