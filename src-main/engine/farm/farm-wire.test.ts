// The farm's wire format on its own: framing round-trips and refuses what is not a frame,
// weights survive the trip bit for bit and a wrong-length array is refused, the job id
// depends on the work and not on how long results are kept, and the payload schema
// refuses anything it does not know (a node must not run a job it cannot read exactly).
import { describe, expect, it } from 'vitest';
import { randomChunkCnn } from '../sealed/model/chunk-cnn.ts';
import {
  decodeWeights,
  encodeWeights,
  FarmJobSchema,
  jobIdOf,
  JOB_FORMAT,
  JOB_VERSION,
  keysetDigest,
  packBlobs,
  unpackBlobs,
  type FarmJob,
} from './farm-wire.ts';

const D = (c: string) => c.repeat(64);

function job(overrides: Partial<FarmJob> = {}): FarmJob {
  return {
    format: JOB_FORMAT,
    version: JOB_VERSION,
    keyset: {
      id: 1,
      digest: keysetDigest('p', D('a'), null),
      presetId: 'p',
      relinKeys: D('a'),
      galoisKeys: null,
    },
    model: { id: 'm', weights: D('b'), scoreScale: 1 },
    task: { kind: 'lanes', hidden: { from: 0, to: 4 } },
    inputs: D('c'),
    resultTtlMs: 1000,
    ...overrides,
  };
}

describe('farm wire format', () => {
  it('frames byte strings and reads them back; refuses truncated or foreign blobs', () => {
    const parts = [new Uint8Array([1, 2, 3]), new Uint8Array(0), new Uint8Array(1000).fill(9)];
    const framed = packBlobs(parts);
    expect(unpackBlobs(framed, 'x')).toEqual(parts);
    expect(() => unpackBlobs(framed.subarray(0, framed.byteLength - 1), 'the blob')).toThrow(
      /the blob is truncated/,
    );
    expect(() => unpackBlobs(Buffer.concat([framed, Buffer.from([0])]), 'the blob')).toThrow(
      /trailing bytes/,
    );
    expect(() => unpackBlobs(Buffer.from('not a frame at all'), 'the blob')).toThrow(
      /not a framed blob/,
    );
  });

  it('carries weights bit for bit, and refuses arrays of the wrong length', () => {
    const weights = randomChunkCnn(
      { inputSize: 28, channels: 2, kernel: 7, stride: 7, hidden: 3, classes: 6 },
      5,
    );
    const decoded = decodeWeights(encodeWeights(weights));
    expect(decoded.architecture).toEqual(weights.architecture);
    for (const field of [
      'convWeight',
      'convBias',
      'fc1Weight',
      'fc1Bias',
      'fc2Weight',
      'fc2Bias',
    ] as const)
      expect([...decoded[field]]).toEqual([...weights[field]]);
    const short = { ...weights, fc1Bias: weights.fc1Bias.subarray(1) };
    expect(() => decodeWeights(encodeWeights(short))).toThrow(/fc1Bias has the wrong length/);
  });

  it('gives the same work the same id, whatever the result TTL, and other work another', () => {
    expect(jobIdOf(job())).toBe(jobIdOf(job({ resultTtlMs: 99_999 })));
    expect(jobIdOf(job())).not.toBe(jobIdOf(job({ inputs: D('d') })));
    expect(jobIdOf(job())).not.toBe(
      jobIdOf(job({ task: { kind: 'lanes', hidden: { from: 4, to: 8 } } })),
    );
    expect(jobIdOf(job())).toMatch(/^[0-9a-f]{64}$/);
  });

  it('accepts its own payloads and refuses unknown fields, versions and non-digests', () => {
    expect(FarmJobSchema.parse(job())).toEqual(job());
    expect(FarmJobSchema.safeParse({ ...job(), name: 'scratches_1.bmp' }).success).toBe(false);
    expect(FarmJobSchema.safeParse({ ...job(), version: 2 }).success).toBe(false);
    expect(FarmJobSchema.safeParse({ ...job(), inputs: 'crazing' }).success).toBe(false);
  });
});
