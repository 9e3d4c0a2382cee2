// Float64 execution of a PackedCnnPlan on slot vectors: rotations, plaintext
// products and sums exactly as the CKKS executor performs them, without the
// encryption. It is the oracle the encrypted engine is tested against (and is
// itself tested against the plain network in sealed/model/chunk-cnn.ts).
import type { LinearPlan } from './linear-plan.ts';
import type { PackedCnnPlan } from './packed-cnn-plan.ts';
import { maskBlocks, scoreLayer } from './packed-cnn-plan.ts';

export function rotateSlots(values: Float64Array, step: number): Float64Array {
  const n = values.length;
  const out = new Float64Array(n);
  const shift = ((step % n) + n) % n;
  for (let p = 0; p < n; p++) out[p] = values[(p + shift) % n]!;
  return out;
}

function addInto(target: Float64Array, source: Float64Array): void {
  for (let p = 0; p < target.length; p++) target[p]! += source[p]!;
}

export function simulateLinear(plan: LinearPlan, input: Float64Array): Float64Array {
  const rotated = new Map(plan.babySteps.map((b) => [b, rotateSlots(input, b)] as const));
  let output: Float64Array = new Float64Array(input.length);
  for (const giant of plan.giantSteps) {
    const inner = new Float64Array(input.length);
    for (const term of giant.terms) {
      const x = rotated.get(term.baby)!;
      for (let p = 0; p < inner.length; p++) inner[p]! += x[p]! * term.values[p]!;
    }
    addInto(output, rotateSlots(inner, giant.step));
  }
  for (const step of plan.foldSteps) {
    const folded = rotateSlots(output, step);
    addInto(folded, output);
    output = folded;
  }
  return output;
}

const square = (v: Float64Array) => v.map((x) => x * x);

/**
 * One ciphertext's worth of chunks through the network. With `sumBlocks` the
 * result holds the sum of the occupied blocks' scores in block 0 (what the
 * evaluator returns per image); otherwise block b holds chunk b's scores.
 */
export function simulatePackedCnn(
  plan: PackedCnnPlan,
  packed: Float64Array,
  occupiedBlocks: number,
  options: { sumBlocks: boolean },
): Float64Array {
  const bias = (values: Float64Array) => maskBlocks(values, plan, occupiedBlocks);
  const conv = simulateLinear(plan.conv, packed);
  addInto(conv, bias(plan.biases.conv));
  const fc1 = simulateLinear(plan.fc1, square(conv));
  addInto(fc1, bias(plan.biases.fc1));
  const last = scoreLayer(plan, occupiedBlocks, options.sumBlocks);
  const scores = simulateLinear(last.linear, square(fc1));
  addInto(scores, last.bias);
  return scores;
}

/** Reads the class scores of block `block` from a result slot vector. */
export function readScores(plan: PackedCnnPlan, slots: ArrayLike<number>, block = 0): Float64Array {
  return Float64Array.from(
    plan.fc2.outPositions,
    (position) => slots[block * plan.blockSlots + position]! / plan.scoreScale,
  );
}
