// The one error type the image pipeline lets out for bad input. Every failure
// names the file (label) and a human-readable reason, because import runs over
// thousands of files and "Input buffer contains unsupported image format" with
// no file name is useless to the person reading the import report.

export class ImageDecodeError extends Error {
  /** What is wrong with the file, without the label (stable enough to show in a UI). */
  readonly reason: string;
  /** Which file it was about, as the caller named it. */
  readonly label: string;

  constructor(label: string, reason: string, options?: { cause?: unknown }) {
    super(`${label}: ${reason}`, options);
    this.name = 'ImageDecodeError';
    this.label = label;
    this.reason = reason;
  }
}

/** First line of an unknown thrown value's message, for embedding in a reason. */
export function errorDetail(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]?.trim() || 'unknown error';
}
