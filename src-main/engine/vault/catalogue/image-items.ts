// What the per-image result tables (classifications, obfuscated-tier embeddings, review
// states) have in common: a sealed blob stored for an image (and a model), and how verify
// reads them all, including rows whose image is gone.
/** A stored item for verify: `uid` is null when the row's image does not exist. */
export interface ImageItemRow {
  readonly imageId: number;
  readonly uid: string | null;
  /** The model the item is for; '' for an item that belongs to no model (a review state). */
  readonly modelId: string;
  readonly blob: Buffer;
}
