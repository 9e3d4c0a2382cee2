// The standard normal quantile Φ⁻¹(p), needed for the NPCR/UACI critical values and the χ²
// approximation. Node has no erf/probit, so this is P. J. Acklam's rational approximation
// (relative error < 1.15e-9 over (0, 1)): far finer than the 4 significant digits the
// critical values are quoted to.

const A = [
  -3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2,
  -3.066479806614716e1, 2.506628277459239,
];
const B = [
  -5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1,
  -1.328068155288572e1,
];
const C = [
  -7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734,
  4.374664141464968, 2.938163982698783,
];
const D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
const P_LOW = 0.02425;

export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normal quantile needs 0 < p < 1 (got ${p})`);
  if (p < P_LOW) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((C[0]! * q + C[1]!) * q + C[2]!) * q + C[3]!) * q + C[4]!) * q + C[5]!) /
      ((((D[0]! * q + D[1]!) * q + D[2]!) * q + D[3]!) * q + 1)
    );
  }
  if (p > 1 - P_LOW) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((A[0]! * r + A[1]!) * r + A[2]!) * r + A[3]!) * r + A[4]!) * r + A[5]!) * q) /
    (((((B[0]! * r + B[1]!) * r + B[2]!) * r + B[3]!) * r + B[4]!) * r + 1)
  );
}

/**
 * Upper-α critical value of χ² with k degrees of freedom, by the Wilson–Hilferty cube
 * approximation (error < 0.01 for k = 255: 293.25 vs the exact 293.2478).
 */
export function chiSquareCritical(k: number, alpha: number): number {
  const z = normalQuantile(1 - alpha);
  const t = 2 / (9 * k);
  return k * (1 - t + z * Math.sqrt(t)) ** 3;
}
