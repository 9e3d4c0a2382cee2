// What goes through the broker for one evaluation job, and nothing more. A job payload is
// small JSON of references: the key set, the model and the inputs are content-addressed
// blobs (blob-store.ts) named by sha256, so a payload never carries a ciphertext, and a key
// set or model already in the broker is never sent again. The payload says which layout
// and which share of the work it is, so a node can run it with the one evaluation engine
// (sealed/inference/evaluation-task.ts); it holds no file name, label, vault id or secret.
//
// The job id is a digest of the payload: the same work always gets the same id, so a key
// holder that is run again after an interruption finds the jobs it had submitted (and
// their results) instead of submitting them again.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { ChunkCnnWeights } from '../sealed/model/chunk-cnn.ts';
import { flattenedSize } from '../sealed/model/chunk-cnn.ts';

export const EVALUATION_QUEUE = 'evaluate';
export const JOB_FORMAT = 'sealsight-evaluation';
export const JOB_VERSION = 1;

const Digest = z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 digest in hex');
const Count = z
  .number()
  .int()
  .nonnegative()
  .max(1 << 20);

export const FarmJobSchema = z.strictObject({
  format: z.literal(JOB_FORMAT),
  version: z.literal(JOB_VERSION),
  keyset: z.strictObject({
    /** The key holder's number for the key set (not secret, not unique across vaults). */
    id: Count,
    /** keysetDigest(): binds the preset and both key blobs. */
    digest: Digest,
    presetId: z.string().min(1).max(64),
    relinKeys: Digest,
    galoisKeys: Digest.nullable(),
  }),
  model: z.strictObject({
    id: z.string().min(1).max(128),
    /** Digest of the weights blob (encodeWeights). */
    weights: Digest,
    scoreScale: z.number().finite().positive(),
  }),
  task: z.discriminatedUnion('kind', [
    z.strictObject({
      kind: z.literal('blocks'),
      packingId: z.string().min(1).max(64),
      combine: z.enum(['image', 'chunks']),
      /** Per image, the blocks of each of its ciphertexts that hold a chunk. */
      images: z.array(z.array(Count).min(1).max(256)).min(1).max(1024),
    }),
    z.strictObject({
      kind: z.literal('lanes'),
      hidden: z.strictObject({ from: Count, to: Count }).nullable(),
    }),
  ]),
  /** Digest of the framed input ciphertexts (packBlobs). */
  inputs: Digest,
  /** How long the node keeps the result blob in the broker. */
  resultTtlMs: z
    .number()
    .int()
    .positive()
    .max(30 * 24 * 3600 * 1000),
});
export type FarmJob = z.infer<typeof FarmJobSchema>;

export const FarmResultSchema = z.strictObject({
  /** Digest of the framed result: the job's id, then its result ciphertexts (packBlobs). */
  results: Digest,
  /** How many result ciphertexts belong to each image (blocks) or to the batch (lanes). */
  counts: z.array(Count).min(1).max(1024),
  /** Evaluation seconds on the node. */
  seconds: z.number().finite().nonnegative(),
  /** Seconds the node spent fetching this job's blobs and storing its result. */
  brokerSeconds: z.number().finite().nonnegative(),
  rotations: Count.max(Number.MAX_SAFE_INTEGER),
  profileMs: z.record(z.string().max(32), z.number().finite()),
  node: z.string().max(128),
});
export type FarmResult = z.infer<typeof FarmResultSchema>;

/** The job id: a digest of the payload (minus how long results are kept). */
export function jobIdOf(job: FarmJob): string {
  const work: Partial<FarmJob> = { ...job };
  delete work.resultTtlMs;
  return createHash('sha256').update(JSON.stringify(work)).digest('hex');
}

/** Binds a key set's parameters and both key blobs into one digest. */
export function keysetDigest(
  presetId: string,
  relinKeys: string,
  galoisKeys: string | null,
): string {
  return createHash('sha256')
    .update(`${JOB_FORMAT} keyset\n${presetId}\n${relinKeys}\n${galoisKeys ?? '-'}`)
    .digest('hex');
}

const FRAME_MAGIC = 0x53534231; // "SSB1"

/** Frames byte strings into one blob: magic, count, lengths (u32 LE), then the bytes. */
export function packBlobs(parts: readonly Uint8Array[]): Buffer {
  const header = Buffer.alloc(8 + 4 * parts.length);
  header.writeUInt32BE(FRAME_MAGIC, 0);
  header.writeUInt32LE(parts.length, 4);
  parts.forEach((part, i) => header.writeUInt32LE(part.byteLength, 8 + 4 * i));
  return Buffer.concat([header, ...parts]);
}

/** The byte strings of a framed blob (views into `blob`), checked against its header. */
export function unpackBlobs(blob: Uint8Array, what: string): Uint8Array[] {
  const view = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  if (view.byteLength < 8 || view.readUInt32BE(0) !== FRAME_MAGIC)
    throw new Error(`${what} is not a framed blob`);
  const count = view.readUInt32LE(4);
  if (count > (view.byteLength - 8) / 4) throw new Error(`${what} has a truncated header`);
  const parts: Uint8Array[] = [];
  let offset = 8 + 4 * count;
  for (let i = 0; i < count; i++) {
    const length = view.readUInt32LE(8 + 4 * i);
    if (offset + length > view.byteLength) throw new Error(`${what} is truncated`);
    // A plain Uint8Array copy: node-seal loaders and structured clone want their own buffer.
    parts.push(new Uint8Array(view.subarray(offset, offset + length)));
    offset += length;
  }
  if (offset !== view.byteLength) throw new Error(`${what} has trailing bytes`);
  return parts;
}

const WeightsHeaderSchema = z.strictObject({
  inputSize: Count,
  channels: Count,
  kernel: Count,
  stride: z.number().int().positive(),
  hidden: Count,
  classes: Count,
  activation: z.enum(['square', 'relu']).optional(),
  members: z.number().int().positive().optional(),
});

const WEIGHT_FIELDS = [
  'convWeight',
  'convBias',
  'fc1Weight',
  'fc1Bias',
  'fc2Weight',
  'fc2Bias',
] as const;

/** The model's weights as the node needs them: architecture and float64 arrays, no names. */
export function encodeWeights(weights: ChunkCnnWeights): Buffer {
  const header = Buffer.from(JSON.stringify(weights.architecture));
  return packBlobs([
    header,
    ...WEIGHT_FIELDS.map((field) => {
      const values = weights[field];
      return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    }),
  ]);
}

export function decodeWeights(blob: Uint8Array): ChunkCnnWeights {
  const [header, ...arrays] = unpackBlobs(blob, 'the weights blob');
  if (!header || arrays.length !== WEIGHT_FIELDS.length)
    throw new Error('the weights blob does not hold six weight arrays');
  const architecture = WeightsHeaderSchema.parse(JSON.parse(Buffer.from(header).toString('utf8')));
  const taps = architecture.kernel * architecture.kernel;
  const expected = [
    architecture.channels * taps,
    architecture.channels,
    architecture.hidden * flattenedSize(architecture),
    architecture.hidden,
    architecture.classes * architecture.hidden,
    architecture.classes,
  ];
  const values = arrays.map((bytes, i) => {
    if (bytes.byteLength !== expected[i]! * 8)
      throw new Error(`the weights blob's ${WEIGHT_FIELDS[i]} has the wrong length`);
    const array = new Float64Array(
      bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
    );
    if (!array.every(Number.isFinite))
      throw new Error(`the weights blob's ${WEIGHT_FIELDS[i]} is not finite`);
    return array;
  });
  return {
    architecture,
    convWeight: values[0]!,
    convBias: values[1]!,
    fc1Weight: values[2]!,
    fc1Bias: values[3]!,
    fc2Weight: values[4]!,
    fc2Bias: values[5]!,
  };
}
