// BASELINE ONLY: what a rotation costs in key switches when the Galois keys cover only
// power-of-two steps (TenSEAL's default generate_galois_keys() → SEAL's
// create_galois_keys(): steps ±1, ±2, …, ±slots/2). SEAL's Evaluator then splits any
// other step into its non-adjacent form (NAF) and applies one key switch per term
// (seal/evaluator.cpp rotate_internal, seal/util/numth.h naf), which is why a
// "logical" rotation by, say, 171 = 256 − 64 − 16 − 4 − 1 costs five key switches.

/** SEAL's util::naf: signed powers of two, no two adjacent, summing to `steps`. */
export function sealNafSteps(steps: number): number[] {
  if (!Number.isInteger(steps)) throw new RangeError(`rotation steps must be an integer: ${steps}`);
  const terms: number[] = [];
  const negative = steps < 0;
  let value = Math.abs(steps);
  for (let bit = 0; value !== 0; bit++) {
    const digit = value & 1 ? 2 - (value & 3) : 0;
    value = (value - digit) / 2;
    if (digit !== 0) terms.push((negative ? -digit : digit) * 2 ** bit);
  }
  return terms;
}

function isPowerOfTwo(n: number): boolean {
  return n > 0 && (n & (n - 1)) === 0;
}

/**
 * Key switches SEAL performs for rotateVector(steps) with power-of-two Galois keys on
 * `slotCount` slots. A step with its own key costs one; otherwise one per NAF term,
 * skipping a ±slotCount term (a full turn, which SEAL skips too).
 */
export function keySwitchesForRotation(steps: number, slotCount: number): number {
  if (Math.abs(steps) >= slotCount) {
    throw new RangeError(`rotation by ${steps} is outside ±${slotCount - 1} slots`);
  }
  if (steps === 0) return 0;
  if (isPowerOfTwo(Math.abs(steps))) return 1;
  return sealNafSteps(steps).filter((term) => Math.abs(term) !== slotCount).length;
}
