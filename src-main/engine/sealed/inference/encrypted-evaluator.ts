// The encrypted evaluator for the blocks layout on this machine: runs the packed CNN over
// stored feature-chunk ciphertexts on evaluation threads (evaluation-pool.ts, the same
// threads a farm node runs) and returns one encrypted score vector per image. Each of an
// image's ciphertexts is a task of its own, so one image uses every core; the key-free
// homomorphic sum of the parts happens here. Built from evaluation keys only.
import type { ChunkCnnWeights } from '../model/chunk-cnn.ts';
import { loadSeal, sealInput, toBytes } from '../ckks/seal-runtime.ts';
import { ckksPresetById, createCkksContext } from '../ckks/ckks-presets.ts';
import type { CkksContext } from '../ckks/ckks-presets.ts';
import { chunkPackingById } from '../layouts/blocks/chunk-packing.ts';
import { EvaluationPool } from './evaluation-pool.ts';
import type { EvaluationOutput } from './evaluation-task.ts';

export interface EvaluatorSetup {
  readonly presetId: string;
  readonly packingId: string;
  readonly weights: ChunkCnnWeights;
  /** fc2 scaling that keeps image sums inside the CKKS headroom (see he-safety.ts). */
  readonly scoreScale: number;
  /** Evaluation keys only: relinearisation and Galois keys (public by design). */
  readonly keys: { readonly relinKeys: Uint8Array; readonly galoisKeys: Uint8Array };
}

/** One image's block group as the evaluator sees it: ciphertexts and a chunk count. */
export interface EncryptedImage {
  readonly id: string;
  readonly ciphertexts: readonly Uint8Array[];
  readonly featureChunks: number;
  /**
   * How many blocks of each ciphertext hold a feature chunk, as the key holder's sealed
   * layout says (a vault always gives it); without it, chunks fill ciphertexts in order.
   */
  readonly occupiedBlocks?: readonly number[];
}

export interface EncryptedImageResult {
  readonly id: string;
  /** Serialised CKKS ciphertext: block 0 holds the sum of the image's chunk scores. */
  readonly result: Uint8Array;
  /** Worker seconds spent on this image (summed over its ciphertexts). */
  readonly workerSeconds: number;
  readonly rotations: number;
  readonly profileMs: Record<string, number>;
}

export class EncryptedEvaluator {
  readonly #pool: EvaluationPool;
  readonly #ckks: CkksContext;
  readonly #seal: Awaited<ReturnType<typeof loadSeal>>;
  readonly #chunksPerCiphertext: number;

  private constructor(
    pool: EvaluationPool,
    seal: Awaited<ReturnType<typeof loadSeal>>,
    ckks: CkksContext,
    chunksPerCiphertext: number,
  ) {
    this.#pool = pool;
    this.#seal = seal;
    this.#ckks = ckks;
    this.#chunksPerCiphertext = chunksPerCiphertext;
  }

  static async create(
    setup: EvaluatorSetup,
    options: { workers?: number } = {},
  ): Promise<EncryptedEvaluator> {
    const seal = await loadSeal();
    const ckks = createCkksContext(seal, ckksPresetById(setup.presetId));
    const pool = new EvaluationPool(setup, { threads: options.workers });
    return new EncryptedEvaluator(
      pool,
      seal,
      ckks,
      chunkPackingById(setup.packingId).chunksPerCiphertext,
    );
  }

  /**
   * Evaluates images; every ciphertext is a separate job so one image's
   * ciphertexts run on all cores at once. Results come back in input order.
   */
  evaluate(images: readonly EncryptedImage[]): Promise<EncryptedImageResult[]> {
    return Promise.all(images.map((image) => this.evaluateImage(image)));
  }

  /** One job per ciphertext, so an image's ciphertexts run on all cores at once. */
  #run(image: EncryptedImage, sumBlocks: boolean): Promise<CiphertextResult[]> {
    const occupied = occupiedBlocksOf(image, this.#chunksPerCiphertext);
    return Promise.all(
      image.ciphertexts.map(async (ciphertext, ordinal) => {
        const output = await this.#pool.run({
          kind: 'blocks',
          images: [{ ciphertexts: [ciphertext], occupiedBlocks: [occupied[ordinal]!] }],
          combine: sumBlocks ? 'image' : 'chunks',
        });
        return { ...output, result: output.results[0]![0]! };
      }),
    );
  }

  async evaluateImage(image: EncryptedImage): Promise<EncryptedImageResult> {
    const parts = await this.#run(image, true);
    if (parts.length === 0) throw new Error(`image ${image.id} has no feature-chunk ciphertexts`);
    return {
      id: image.id,
      result: parts.length === 1 ? parts[0]!.result : this.#sum(parts.map((p) => p.result)),
      workerSeconds: parts.reduce((s, p) => s + p.seconds, 0),
      rotations: parts.reduce((s, p) => s + p.rotations, 0),
      profileMs: sumProfiles(parts.map((p) => p.profileMs)),
    };
  }

  /**
   * Chunk-level results: one ciphertext per input ciphertext, block b holding the
   * scores of that ciphertext's chunk b (for per-chunk views and fidelity checks).
   */
  async evaluateChunks(image: EncryptedImage): Promise<Uint8Array[]> {
    return (await this.#run(image, false)).map((part) => part.result);
  }

  /** Homomorphic sum of per-ciphertext results (no key needed for addition). */
  #sum(results: readonly Uint8Array[]): Uint8Array {
    const seal = this.#seal;
    using evaluator = new seal.Evaluator(this.#ckks.context);
    using total = new seal.Ciphertext();
    using part = new seal.Ciphertext();
    total.loadFromArray(this.#ckks.context, sealInput(results[0]!));
    for (const bytes of results.slice(1)) {
      part.loadFromArray(this.#ckks.context, sealInput(bytes));
      evaluator.addInplace(total, part);
    }
    return toBytes(total.saveToArray(seal.ComprModeType.zstd));
  }

  async close(): Promise<void> {
    await this.#pool.close();
    this.#ckks[Symbol.dispose]();
  }
}

type CiphertextResult = EvaluationOutput & { readonly result: Uint8Array };

/** Blocks of each ciphertext that hold a chunk: the sealed layout's, else chunks in order. */
export function occupiedBlocksOf(image: EncryptedImage, chunksPerCiphertext: number): number[] {
  return image.ciphertexts.map(
    (_, ordinal) =>
      image.occupiedBlocks?.[ordinal] ??
      Math.min(chunksPerCiphertext, image.featureChunks - ordinal * chunksPerCiphertext),
  );
}

export function sumProfiles(
  profiles: ReadonlyArray<Record<string, number>>,
): Record<string, number> {
  const total: Record<string, number> = {};
  for (const profile of profiles)
    for (const [op, ms] of Object.entries(profile)) total[op] = (total[op] ?? 0) + ms;
  return total;
}
