// fc2's per-class sums in the lanes engine: hidden units come out of fc1 one at a time
// and go straight into these few ciphertexts, so a batch never holds all its hidden units
// (lane-cnn-engine.ts). Each sum is made on its first term (SEAL's product into an empty
// ciphertext), so a class no live unit reaches stays null and is reported degenerate.
import type { Ciphertext } from 'node-seal/throws';
import type { Seal } from '../../ckks/seal-runtime.ts';

/** fc2's per-class sums, made on their first term. */
export class ClassSums implements Disposable {
  readonly product: Ciphertext;
  readonly #seal: Seal;
  readonly #scores: Array<Ciphertext | null>;

  constructor(seal: Seal, classes: number) {
    this.#seal = seal;
    this.product = new seal.Ciphertext();
    this.#scores = Array.from({ length: classes }, () => null);
  }

  /** `term(acc, first)` adds one term into class c's sum (`first`: acc is empty). */
  add(c: number, term: (acc: Ciphertext, first: boolean) => void): void {
    const score = this.#scores[c];
    if (score) term(score, false);
    else {
      const fresh = new this.#seal.Ciphertext();
      this.#scores[c] = fresh;
      term(fresh, true);
    }
  }

  /** Class c's sum, now the caller's to delete (null: it had no term). */
  take(c: number): Ciphertext | null {
    const score = this.#scores[c] ?? null;
    this.#scores[c] = null;
    return score;
  }

  [Symbol.dispose](): void {
    for (const score of this.#scores) score?.delete();
    this.product.delete();
  }
}
