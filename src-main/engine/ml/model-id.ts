// A model's id names it wherever its results are stored: classifications, obfuscated-tier
// embeddings, models kept in a vault, the kept benchmark results. It must therefore follow
// what the model *is*, not how its file is laid out, so it is a hash over the file's
// canonical content: the parsed JSON written back with every object's keys sorted, no
// whitespace, and numbers and strings as JSON.stringify writes them. Re-indenting a file,
// reordering its keys or writing 1.0 for 1 keeps the id; changing a weight, a class name or
// a provenance field changes it (provenance is part of what a file claims, e.g. the
// validation accuracy the app shows, so two files that differ there are not one model).
//
// Earlier versions hashed the file's exact text instead, and vaults keep those ids: bound
// into the authenticated data of every stored classification and embedding, and as the key
// of every model stored in a vault. Two rules keep them right without rewriting a vault:
// - The model files this repository ships or keeps (assets/models, assets/demo-models,
//   docs/accuracy) keep the id earlier versions gave them: EARLIER_IDS maps their canonical
//   digest to it, so the shipped model is `f42c592b0e71377f` however its file is formatted.
// - A model stored in a vault keeps the id it is stored under when that is its text's
//   earlier id (model-json.ts, `storedAs`): the stored bytes are sealed, so they are exactly what was
//   hashed then.
// A model file of an earlier version kept outside any vault (one `sealsight train` wrote)
// gets its canonical id; results stored under its earlier id stay in the vault and readable.
import { createHash } from 'node:crypto';

const ID_HEX_DIGITS = 16;

/**
 * Canonical digest (all 64 hex digits) → the id earlier versions gave that content: the
 * first 16 hex digits of the SHA-256 of the file as committed.
 */
const EARLIER_IDS: ReadonlyMap<string, string> = new Map([
  // assets/models/neu-chunk-cnn.json, the shipped model
  ['fcbb1ef3da6dac0878e2cf35831d2a8aac4094f16d0887381c072ba7b31679b6', 'f42c592b0e71377f'],
  // assets/demo-models/neu-baseline-relu.json
  ['2bcef2b283d57a23354411e915d5757cca389c6cda00ed74d16c218694e1bac0', '106f9f03179735ed'],
  // assets/demo-models/obf-mednist.json
  ['aab59d77207a6fd13294bf6542a8fd83cf3cda392e3a592e1cd8170b96645bc9', '5d7343d9ed575441'],
  // assets/demo-models/obf-mnist.json
  ['76070fb239420b4362caded8833af600848937a0200224ae4b5865532588e03a', '1ff7f373c642ea10'],
  // docs/accuracy/neu-chunk-cnn-split1-800.json
  ['ae79aae49d4b5c18a13ecf0e147c8fd53807c02ae5bb2466fd4980762d8ba217', '73f3a91f2596e2bd'],
  // docs/accuracy/neu-chunk-cnn-split1.json
  ['659174c8da4dfc843a68ea30e372dd6b680df1c7ce3999b7828862222fd43469', '64ecbbe14e4e5630'],
]);

/** Parsed JSON written back canonically: sorted keys, no whitespace, JSON.stringify's values. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) {
    // Weight arrays are most of a file: JSON.stringify writes a number array exactly as the
    // element-wise form below would, only faster.
    if (value.every((item) => typeof item === 'number')) return JSON.stringify(value);
    return `[${value.map(canonicalJson).join(',')}]`;
  }
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const members = Object.keys(record)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`);
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value);
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The id of a model file's content (its JSON, parsed): canonical, or its earlier id. */
export function modelIdOf(content: unknown): string {
  const digest = sha256Hex(canonicalJson(content));
  return EARLIER_IDS.get(digest) ?? digest.slice(0, ID_HEX_DIGITS);
}

/** The id earlier versions gave a file: the SHA-256 of its exact text. */
export function earlierTextId(text: string): string {
  return sha256Hex(text).slice(0, ID_HEX_DIGITS);
}
