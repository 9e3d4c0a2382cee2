// Padmé padding (Nikitin et al., "Reducing Metadata Leakage from Encrypted Files and
// Communication with PURBs", PETS 2019) for sealed blobs whose length would otherwise
// tell an attacker which known file or name is inside. A length L is rounded up so that
// only its top ⌊log2 ⌊log2 L⌋⌋ + 1 bits may be nonzero: the overhead is at most 12 % (it
// falls as L grows) and a padded length leaks O(log log L) bits instead of log L.
//
// Framing: [4-byte big-endian payload length][payload][zero bytes] — self-describing, so a
// reader needs nothing outside the blob, and the zeros are checked on unpad (the blob is
// authenticated before this runs; the check catches a writer bug, not an attacker).
export const PADME_HEADER_BYTES = 4;
const MAX_PAYLOAD = 0xffff_ffff;

/** The Padmé length of L (L itself below 2, where no bit can be dropped). */
export function padmeLength(length: number): number {
  if (!Number.isSafeInteger(length) || length < 0)
    throw new RangeError(`length must be a non-negative integer, got ${length}`);
  if (length < 2) return length;
  const e = Math.floor(Math.log2(length));
  const s = Math.floor(Math.log2(e)) + 1;
  const lastBits = e - s;
  const mask = 2 ** lastBits - 1;
  // (length + mask) & ~mask, in floating point: lengths here exceed 2^31.
  return Math.ceil(length / (mask + 1)) * (mask + 1);
}

/** Frames and pads a payload; seal the result. */
export function padPayload(payload: Uint8Array): Uint8Array {
  if (payload.byteLength > MAX_PAYLOAD)
    throw new RangeError(`payload of ${payload.byteLength} bytes is too large to pad`);
  const out = new Uint8Array(padmeLength(PADME_HEADER_BYTES + payload.byteLength));
  new DataView(out.buffer).setUint32(0, payload.byteLength);
  out.set(payload, PADME_HEADER_BYTES);
  return out;
}

/** The payload of a padded (and already authenticated) blob; `what` names it in errors. */
export function unpadPayload(padded: Uint8Array, what: string): Uint8Array {
  if (padded.byteLength < PADME_HEADER_BYTES) throw new Error(`${what}: padded blob too short`);
  const length = new DataView(padded.buffer, padded.byteOffset, padded.byteLength).getUint32(0);
  const end = PADME_HEADER_BYTES + length;
  if (end > padded.byteLength || padmeLength(end) !== padded.byteLength)
    throw new Error(`${what}: padding does not match its length field`);
  for (let i = end; i < padded.byteLength; i++)
    if (padded[i] !== 0) throw new Error(`${what}: padding bytes are not zero`);
  return padded.subarray(PADME_HEADER_BYTES, end);
}
