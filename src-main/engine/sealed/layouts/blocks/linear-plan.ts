// Planning a linear layer (conv or dense) over block-packed CKKS slots.
//
// Every chunk lives in its own block of `blockSlots` slots; a ciphertext holds
// `slotCount / blockSlots` blocks, and every block undergoes the same map. A value
// of a layer sits at a fixed position inside its block (a "slot layout"). A linear
// map y = W·x between two layouts is computed with the diagonal method
//     y = Σ_d diag_d ⊙ rot_d(x),      d = inPosition − outPosition,
// arranged baby-step/giant-step so that only |babies| + |giants| rotations are paid:
//     y = Σ_g rot_g( Σ_b P_{g,b} ⊙ rot_b(x) ),   d = g + b,   P_{g,b} = rot_{−g}(diag_d).
// Inputs spread over a wide range of positions are first split into bands of
// `band.width` slots: band c writes its partial sums to copy c of the outputs
// (outPosition + c·width), so every diagonal stays short; a rotate-and-sum over
// the copies ("fold") then adds the bands. Empty diagonals cost nothing.

export interface LinearLayerSpec {
  readonly name: string;
  readonly slotCount: number;
  readonly blockSlots: number;
  /** Position inside the block of every input value. */
  readonly inPositions: readonly number[];
  /** Position inside the block of every output value (copy 0). */
  readonly outPositions: readonly number[];
  /** Weight of input i in output o. */
  weight(output: number, input: number): number;
  /**
   * Whether input i feeds output o in the architecture (default: weight ≠ 0). The
   * rotation steps follow from this structure alone, so Galois keys made for an
   * architecture serve every set of weights trained for it.
   */
  connected?(output: number, input: number): boolean;
  /** Optional banding of the inputs, folded back with rotations by width·2^k. */
  readonly band?: { readonly width: number; readonly copies: number };
}

export interface GiantStep {
  readonly step: number;
  /** One plaintext vector per baby step used with this giant step. */
  readonly terms: ReadonlyArray<{ readonly baby: number; readonly values: Float64Array }>;
}

export interface LinearPlan {
  readonly name: string;
  readonly babySteps: readonly number[];
  readonly giantSteps: readonly GiantStep[];
  readonly foldSteps: readonly number[];
  /** Every rotation the architecture may need (independent of zero weights). */
  readonly rotationSteps: readonly number[];
  readonly outPositions: readonly number[];
  /** Number of plaintext multiplications (diagonals) the layer costs per ciphertext. */
  readonly multiplications: number;
  readonly rotations: number;
}

const mod = (a: number, n: number) => ((a % n) + n) % n;

export function planLinear(spec: LinearLayerSpec): LinearPlan {
  const { slotCount, blockSlots } = spec;
  const blocks = slotCount / blockSlots;
  if (!Number.isInteger(blocks))
    throw new RangeError(`${slotCount} slots are not whole ${blockSlots}-slot blocks`);
  const width = spec.band?.width ?? blockSlots;
  const copies = spec.band?.copies ?? 1;
  const foldSteps: number[] = [];
  for (let span = 1; span < copies; span *= 2) foldSteps.push(span * width);
  const foldedCopies = 2 ** foldSteps.length;
  const maxOut = Math.max(...spec.outPositions);
  if (maxOut + (foldedCopies - 1) * width >= blockSlots) {
    throw new RangeError(
      `${spec.name}: ${foldedCopies} output copies of width ${width} do not fit a block`,
    );
  }

  // Diagonals within one block: d → (slot of copy-0-based output position t) → weight.
  const diagonals = new Map<number, Map<number, number>>();
  for (let o = 0; o < spec.outPositions.length; o++) {
    for (let i = 0; i < spec.inPositions.length; i++) {
      const w = spec.weight(o, i);
      if (spec.connected ? !spec.connected(o, i) : w === 0) continue;
      const inPos = spec.inPositions[i]!;
      const bandIndex = copies > 1 ? Math.floor(inPos / width) : 0;
      if (bandIndex >= copies)
        throw new RangeError(`${spec.name}: input position ${inPos} is beyond the last band`);
      const target = spec.outPositions[o]! + bandIndex * width;
      const d = inPos - target;
      let diagonal = diagonals.get(d);
      if (!diagonal) diagonals.set(d, (diagonal = new Map()));
      diagonal.set(target, (diagonal.get(target) ?? 0) + w);
    }
  }

  const babySize = bestBabySize([...diagonals.keys()]);
  const structuralSteps = new Set<number>();
  const giants = new Map<number, Array<{ baby: number; values: Float64Array }>>();
  for (const [d, entries] of diagonals) {
    const baby = mod(d, babySize);
    const giant = d - baby;
    structuralSteps.add(baby).add(giant);
    // A diagonal whose weights are all zero costs nothing (and a product with an
    // all-zero plaintext would be a transparent ciphertext, which SEAL refuses).
    if ([...entries.values()].every((w) => w === 0)) continue;
    // P_{g,b}[s + g] = diag_d[s]: the plaintext is pre-rotated so that the giant
    // rotation applied after the inner sum brings every product back to its slot.
    const values = new Float64Array(slotCount);
    for (let block = 0; block < blocks; block++) {
      for (const [target, w] of entries)
        values[mod(block * blockSlots + target + giant, slotCount)] = w;
    }
    let terms = giants.get(giant);
    if (!terms) giants.set(giant, (terms = []));
    terms.push({ baby, values });
  }
  const giantSteps = [...giants.entries()]
    .sort(([a], [b]) => a - b)
    .map(([step, terms]) => ({ step, terms: terms.sort((a, b) => a.baby - b.baby) }));
  const babySteps = [...new Set(giantSteps.flatMap((g) => g.terms.map((t) => t.baby)))].sort(
    (a, b) => a - b,
  );
  structuralSteps.delete(0);
  return {
    name: spec.name,
    rotationSteps: [...structuralSteps, ...foldSteps].sort((a, b) => a - b),
    babySteps,
    giantSteps,
    foldSteps,
    outPositions: spec.outPositions,
    multiplications: diagonals.size,
    rotations:
      babySteps.filter((b) => b !== 0).length +
      giantSteps.filter((g) => g.step !== 0).length +
      foldSteps.length,
  };
}

/** The baby-step size that minimises distinct non-zero baby + giant rotations. */
function bestBabySize(ds: readonly number[]): number {
  let best = 1;
  let bestCost = Infinity;
  const limit = Math.max(1, Math.min(512, Math.max(...ds.map(Math.abs)) + 1));
  for (let size = 1; size <= limit; size++) {
    const babies = new Set<number>();
    const giants = new Set<number>();
    for (const d of ds) {
      const b = mod(d, size);
      babies.add(b);
      giants.add(d - b);
    }
    babies.delete(0);
    giants.delete(0);
    const cost = babies.size + giants.size;
    if (cost < bestCost) [best, bestCost] = [size, cost];
  }
  return best;
}

/** Every rotation step a plan uses (for Galois key generation). */
export function planRotationSteps(plan: LinearPlan): number[] {
  return [...plan.babySteps, ...plan.giantSteps.map((g) => g.step), ...plan.foldSteps].filter(
    (s) => s !== 0,
  );
}
