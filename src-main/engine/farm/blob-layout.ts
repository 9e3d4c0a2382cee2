// How a blob is laid out in Redis, shared by the writer and the reader. A blob is keyed by
// the sha256 of its bytes, so the same ciphertext or key set is stored once however many
// jobs use it, and whoever reads it can check it. A blob of hundreds of MB is split into
// chunks (8 MiB by default) under `<prefix>:blob:<digest>:<i>`, so that no single Redis
// command carries hundreds of MB (Redis caps one value at 512 MB, and one huge command
// stalls the broker for every other client); the manifest under `<prefix>:blob:<digest>`
// (a small JSON string) says how long the blob is and how it was cut. The manifest comes
// from the broker, so it is checked like everything else the broker says.
import { createHash } from 'node:crypto';

export const DEFAULT_PREFIX = 'sealsight';
export const DEFAULT_CHUNK_BYTES = 8 * 1024 * 1024;
/** Redis's own limit for one value (proto-max-bulk-len). */
export const MAX_CHUNK_BYTES = 512 * 1024 * 1024;
/** Most chunks one blob may have (512 GiB at 8 MiB): bounds what one manifest can ask for. */
export const MAX_CHUNKS = 65_536;
const MANIFEST_VERSION = 1;

export interface Manifest {
  length: number;
  chunkBytes: number;
  chunks: number;
}

export function blobDigest(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function assertDigest(digest: string): void {
  if (!/^[0-9a-f]{64}$/.test(digest))
    throw new RangeError(
      `not a blob digest (64 lowercase hex digits of sha256): ${JSON.stringify(digest.slice(0, 80))}`,
    );
}

/** A prefix that is safe inside a key and as a SCAN pattern (no glob characters). */
export function assertPrefix(prefix: string): void {
  if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(prefix))
    throw new RangeError(`key prefix must be 1–64 of A–Z a–z 0–9 _ . : - , got ${prefix}`);
}

export function manifestKey(prefix: string, digest: string): string {
  return `${prefix}:blob:${digest}`;
}

export function chunkKey(prefix: string, digest: string, index: number): string {
  return `${prefix}:blob:${digest}:${index}`;
}

export function chunkKeys(prefix: string, digest: string, manifest: Manifest): string[] {
  return Array.from({ length: manifest.chunks }, (_, i) => chunkKey(prefix, digest, i));
}

export function layout(length: number, chunkBytes: number): Manifest {
  return { length, chunkBytes, chunks: Math.ceil(length / chunkBytes) };
}

/** Byte length of chunk `index` under `manifest`. */
export function chunkLength(manifest: Manifest, index: number): number {
  return Math.min(manifest.chunkBytes, manifest.length - index * manifest.chunkBytes);
}

export function encodeManifest(manifest: Manifest): string {
  return JSON.stringify({ v: MANIFEST_VERSION, ...manifest });
}

/** The manifest if it is well formed and self-consistent, else undefined. */
export function decodeManifest(text: string): Manifest | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { v, length, chunkBytes, chunks } = value as Record<string, unknown>;
  const count = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;
  if (v !== MANIFEST_VERSION || !count(length) || !count(chunkBytes) || !count(chunks))
    return undefined;
  if (chunkBytes < 1 || chunkBytes > MAX_CHUNK_BYTES) return undefined;
  if (chunks !== Math.ceil(length / chunkBytes)) return undefined;
  return { length, chunkBytes, chunks };
}
