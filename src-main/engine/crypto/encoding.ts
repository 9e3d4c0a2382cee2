// Small byte/text helpers shared by the crypto modules.

/** AAD and labels may be given as text; text is always UTF-8 so the bytes are unambiguous. */
export function toBytes(data: Uint8Array | string): Uint8Array {
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
}

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/**
 * Decode standard, padded base64 and refuse anything that is not in canonical form.
 *
 * Why strict: Node's decoder silently skips invalid characters and ignores the unused low bits
 * of the last character, so several different strings decode to the same bytes. In an
 * authenticated header that would let someone edit the file without changing what it means,
 * which makes "any edit is detected" impossible to reason about. Re-encoding and comparing
 * rejects every non-canonical spelling. Throws TypeError naming `what`, never the value.
 */
export function decodeBase64Strict(text: string, what: string): Buffer {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.toString('base64') !== text) {
    throw new TypeError(`${what} is not canonical base64`);
  }
  return bytes;
}

/**
 * Quote a name taken from untrusted input (e.g. an unknown JSON field) for an error message:
 * JSON-escaped so control characters cannot garble logs, and capped so a hostile file cannot
 * produce a megabyte-long message.
 */
export function quoteUntrusted(name: string, maxChars = 40): string {
  return JSON.stringify(name.length > maxChars ? `${name.slice(0, maxChars)}…` : name);
}
