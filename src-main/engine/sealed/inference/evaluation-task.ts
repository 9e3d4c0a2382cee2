// The one job type of encrypted inference, and the code that runs it. The key holder's own
// worker threads and a farm's evaluator nodes both hand an EvaluationTask to a thread that
// runs `TaskRunner.run`: two transports, one engine. A task holds ciphertexts and nothing
// else of the vault; the runner is built from an EvaluationSetup, which has room for
// evaluation keys (relinearisation, Galois) and weights but none for a secret key.
import type { ChunkCnnWeights } from '../model/chunk-cnn.ts';
import type { Seal } from '../ckks/seal-runtime.ts';
import { ckksPresetById, createCkksContext } from '../ckks/ckks-presets.ts';
import type { CkksContext } from '../ckks/ckks-presets.ts';
import { planPackedEnsemble } from '../layouts/blocks/packed-cnn-plan.ts';
import { PackedCnnEngine } from '../layouts/blocks/packed-cnn-engine.ts';
import { LaneCnnEngine } from '../layouts/lanes/lane-cnn-engine.ts';
import type { HiddenRange } from '../layouts/lanes/lane-cnn-engine.ts';

/** What an evaluator is built from: public parameters, evaluation keys and the model. */
export interface EvaluationSetup {
  readonly presetId: string;
  /** The block packing of blocks tasks (lanes tasks ignore it). */
  readonly packingId: string;
  readonly weights: ChunkCnnWeights;
  /** fc2 scaling that keeps image sums inside the CKKS headroom (see he-safety.ts). */
  readonly scoreScale: number;
  /** Evaluation keys only. Galois keys are needed by blocks tasks alone. */
  readonly keys: { readonly relinKeys: Uint8Array; readonly galoisKeys: Uint8Array | null };
}

/** Images in the blocks layout: each a few ciphertexts of packed feature chunks. */
export interface BlocksTask {
  readonly kind: 'blocks';
  readonly images: ReadonlyArray<{
    readonly ciphertexts: readonly Uint8Array[];
    /** Blocks of each ciphertext that hold a feature chunk (the sealed layout's count). */
    readonly occupiedBlocks: readonly number[];
  }>;
  /**
   * 'image': one result per image, block 0 holding the sum of its chunks' scores.
   * 'chunks': one result per ciphertext, block b holding chunk b's scores.
   */
  readonly combine: 'image' | 'chunks';
}

/** One lane batch (784 ciphertexts: ciphertext p holds pixel p of every lane). */
export interface LanesTask {
  readonly kind: 'lanes';
  readonly inputs: readonly Uint8Array[];
  /** Only these hidden units (a share of the batch); all when null. */
  readonly hidden: HiddenRange | null;
}

export type EvaluationTask = BlocksTask | LanesTask;

export interface EvaluationOutput {
  readonly kind: EvaluationTask['kind'];
  /**
   * blocks: per image, its results (one for 'image', one per ciphertext for 'chunks').
   * lanes: one entry holding one ciphertext per class; lane l holds chunk l's score
   * (without fc2's bias), summed over this task's hidden units.
   */
  readonly results: Uint8Array[][];
  readonly seconds: number;
  readonly rotations: number;
  /** Milliseconds per operation kind (rotate, multiplyPlain, rescale, …). */
  readonly profileMs: Record<string, number>;
}

/** Runs tasks in one thread: engines are made on first use and kept for the setup's life. */
export class TaskRunner implements Disposable {
  readonly #seal: Seal;
  readonly #setup: EvaluationSetup;
  readonly #ckks: CkksContext;
  #packed: PackedCnnEngine | null = null;
  #lanes: LaneCnnEngine | null = null;

  constructor(seal: Seal, setup: EvaluationSetup) {
    this.#seal = seal;
    this.#setup = setup;
    this.#ckks = createCkksContext(seal, ckksPresetById(setup.presetId));
  }

  run(task: EvaluationTask): EvaluationOutput {
    const started = performance.now();
    return task.kind === 'blocks' ? this.#blocks(task, started) : this.#lanesTask(task, started);
  }

  #blocks(task: BlocksTask, started: number): EvaluationOutput {
    const engine = this.#packedEngine();
    const rotations = engine.counters.rotations;
    const before = { ...engine.counters.ms };
    const results = task.images.map((image) => {
      if (image.ciphertexts.length === 0)
        throw new Error('an image has no feature-chunk ciphertexts');
      if (image.occupiedBlocks.length !== image.ciphertexts.length)
        throw new Error('an image names a block count for each of its ciphertexts');
      const outputs = image.ciphertexts.map((bytes, i) => {
        using input = engine.load(bytes);
        return engine.inferCiphertext(input, image.occupiedBlocks[i]!, {
          sumBlocks: task.combine === 'image',
        });
      });
      try {
        if (task.combine === 'chunks') return outputs.map((c) => engine.serialize(c));
        // An image's result is the sum over its ciphertexts (addition needs no key).
        for (const part of outputs.slice(1)) engine.addInplace(outputs[0]!, part);
        return [engine.serialize(outputs[0]!)];
      } finally {
        for (const output of outputs) output.delete();
      }
    });
    return {
      kind: 'blocks',
      results,
      seconds: (performance.now() - started) / 1000,
      rotations: engine.counters.rotations - rotations,
      profileMs: delta(engine.counters.ms, before),
    };
  }

  #lanesTask(task: LanesTask, started: number): EvaluationOutput {
    const engine = this.#laneEngine();
    const before = { ...engine.ms };
    const results = engine.inferBatch(task.inputs, {
      sumImages: false,
      hidden: task.hidden ?? undefined,
    });
    return {
      kind: 'lanes',
      results: [results],
      seconds: (performance.now() - started) / 1000,
      rotations: 0,
      profileMs: delta(engine.ms, before),
    };
  }

  #packedEngine(): PackedCnnEngine {
    if (this.#packed) return this.#packed;
    const { keys, weights, scoreScale } = this.#setup;
    if (!keys.galoisKeys) throw new Error('blocks evaluation needs Galois keys; none were given');
    const plans = planPackedEnsemble(weights, this.#ckks.slotCount, { scoreScale });
    this.#packed = new PackedCnnEngine(this.#seal, this.#ckks, plans, {
      relinKeys: keys.relinKeys,
      galoisKeys: keys.galoisKeys,
    });
    return this.#packed;
  }

  #laneEngine(): LaneCnnEngine {
    this.#lanes ??= new LaneCnnEngine(
      this.#seal,
      this.#ckks,
      this.#setup.weights,
      this.#setup.scoreScale,
      { relinKeys: this.#setup.keys.relinKeys, galoisKeys: null },
    );
    return this.#lanes;
  }

  [Symbol.dispose](): void {
    this.#packed?.[Symbol.dispose]();
    this.#lanes?.[Symbol.dispose]();
    this.#ckks[Symbol.dispose]();
  }
}

function delta(
  now: Record<string, number>,
  before: Record<string, number>,
): Record<string, number> {
  return Object.fromEntries(Object.entries(now).map(([op, ms]) => [op, ms - (before[op] ?? 0)]));
}
