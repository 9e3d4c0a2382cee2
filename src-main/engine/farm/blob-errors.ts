// Why a blob could not be read from the broker. Two kinds, because a node reacts to them
// differently: a missing blob (never uploaded, expired, deleted, or a chunk gone) can be
// uploaded again by the key holder; a blob that does not match its digest means the broker
// or something between handed over wrong bytes, and the evaluator must not compute on it.
// Messages name the digest and the broker (without its password), never any content.

export class BlobError extends Error {
  override name = 'BlobError';
  readonly digest: string;

  constructor(digest: string, message: string) {
    super(message);
    this.digest = digest;
  }
}

/** The blob, or one of its chunks, is not in the broker. */
export class BlobMissingError extends BlobError {
  override name = 'BlobMissingError';

  constructor(digest: string, broker: string, what: string) {
    super(digest, `blob ${digest} in broker ${broker}: ${what}`);
  }
}

/** The broker's copy is not the blob its digest names: tampered, truncated or corrupt. */
export class BlobIntegrityError extends BlobError {
  override name = 'BlobIntegrityError';

  constructor(digest: string, broker: string, reason: string) {
    super(
      digest,
      `blob ${digest} from broker ${broker} failed verification: ${reason} ` +
        `(the stored copy is corrupt or was tampered with)`,
    );
  }
}
