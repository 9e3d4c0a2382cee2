// Retrieval metrics with every item as a query against all the others (the query itself
// excluded), ranked by cosine similarity of L2-normalised embeddings (a dot product).
// Relevant = same class. For a query with R relevant items among the others:
//   AP = (1/R)·Σ_k P(k)·rel(k)   (k over the whole ranking: mAP@all)
//   P@k = (relevant items in the top k) / k
// mAP is the mean AP over queries with R > 0; P@k the mean over all queries.
// Ties: an item's rank is the number of other items scoring ≥ it (a relevant item tied
// with irrelevant ones ranks after them — the pessimistic convention).
//
// Efficiency: the n×n similarity matrix is never held; queries go in blocks (one
// block × all matrix product, typed arrays); per query, the scores are sorted once
// (native typed-array sort) and each relevant item's rank is a binary search.

export interface RetrievalMetrics {
  readonly n: number;
  readonly mAP: number;
  /** P@k for each k asked for, keyed by k. */
  readonly precisionAt: Record<string, number>;
  readonly convention: string;
}

export const RETRIEVAL_CONVENTION =
  'each item queries all others (itself excluded); relevant = same class; ranking by cosine similarity; AP = (1/R)·Σ P(k)·rel(k) over the full ranking (mAP@all, queries with R = 0 skipped); P@k = relevant in top k / k; ties ranked pessimistically';

/** out[q·n + j] = Σ_d a[q·dim + d]·b[j·dim + d] for the q rows of a (rows × dim) against b (n × dim). */
export type BlockProduct = (
  a: Float32Array,
  rows: number,
  b: Float32Array,
  n: number,
  dim: number,
) => Float32Array | Promise<Float32Array>;

export const jsBlockProduct: BlockProduct = (a, rows, b, n, dim) => {
  const out = new Float32Array(rows * n);
  for (let q = 0; q < rows; q++) {
    const qo = q * dim;
    for (let j = 0; j < n; j++) {
      const jo = j * dim;
      let s = 0;
      for (let d = 0; d < dim; d++) s += a[qo + d]! * b[jo + d]!;
      out[q * n + j] = s;
    }
  }
  return out;
};

/** Returns a new array of rows scaled to unit L2 norm (zero rows stay zero). */
export function l2Normalise(vectors: Float32Array, dim: number): Float32Array {
  const out = new Float32Array(vectors.length);
  for (let o = 0; o < vectors.length; o += dim) {
    let s = 0;
    for (let d = 0; d < dim; d++) s += vectors[o + d]! ** 2;
    const scale = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let d = 0; d < dim; d++) out[o + d] = vectors[o + d]! * scale;
  }
  return out;
}

/** Count of values ≥ x in a descending-sorted array. */
function countAtLeast(sortedDesc: Float32Array, x: number): number {
  let lo = 0;
  let hi = sortedDesc.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sortedDesc[mid]! >= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Metrics from a full score matrix row per query (used by the blocked driver and tests). */
export function accumulateQuery(
  scores: Float32Array,
  query: number,
  labels: ArrayLike<number>,
  ks: readonly number[],
): { ap: number | null; hitsAt: number[] } {
  const n = labels.length;
  const others = new Float32Array(n - 1);
  const relevant: number[] = [];
  for (let j = 0, o = 0; j < n; j++) {
    if (j === query) continue;
    others[o++] = scores[j]!;
    if (labels[j] === labels[query]) relevant.push(scores[j]!);
  }
  others.sort();
  others.reverse();
  relevant.sort((a, b) => b - a);
  const ranks = relevant.map((s) => countAtLeast(others, s));
  // Pessimistic ties: the i-th relevant item (0-based) ranks at least i + 1.
  for (let i = 0; i < ranks.length; i++) ranks[i] = Math.max(ranks[i]!, i + 1);
  let ap: number | null = null;
  if (ranks.length > 0) {
    let sum = 0;
    ranks.forEach((rank, i) => (sum += (i + 1) / rank));
    ap = sum / ranks.length;
  }
  const hitsAt = ks.map((k) => ranks.filter((r) => r <= k).length);
  return { ap, hitsAt };
}

export async function retrievalMetrics(
  embeddings: Float32Array,
  dim: number,
  labels: ArrayLike<number>,
  options: { ks?: readonly number[]; blockRows?: number; product?: BlockProduct } = {},
): Promise<RetrievalMetrics> {
  const n = labels.length;
  if (embeddings.length !== n * dim)
    throw new RangeError(`embeddings hold ${embeddings.length} values, expected ${n}×${dim}`);
  const ks = options.ks ?? [10, 100];
  const block = options.blockRows ?? 256;
  const product = options.product ?? jsBlockProduct;
  let apSum = 0;
  let apCount = 0;
  const hits = ks.map(() => 0);
  for (let start = 0; start < n; start += block) {
    const rows = Math.min(block, n - start);
    const scores = await product(
      embeddings.subarray(start * dim, (start + rows) * dim),
      rows,
      embeddings,
      n,
      dim,
    );
    for (let q = 0; q < rows; q++) {
      const { ap, hitsAt } = accumulateQuery(
        scores.subarray(q * n, (q + 1) * n),
        start + q,
        labels,
        ks,
      );
      if (ap !== null) {
        apSum += ap;
        apCount++;
      }
      hitsAt.forEach((h, i) => (hits[i]! += h));
    }
  }
  return {
    n,
    mAP: apCount > 0 ? apSum / apCount : 0,
    precisionAt: Object.fromEntries(ks.map((k, i) => [String(k), n > 0 ? hits[i]! / k / n : 0])),
    convention: RETRIEVAL_CONVENTION,
  };
}
