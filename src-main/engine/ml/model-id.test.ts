// A model's id follows its content, not its file's layout (model-id.ts): re-indenting,
// reordering keys or respelling a number keeps it, changing a weight changes it; the model
// files the repository ships or keeps keep the ids earlier versions gave them (what vaults
// and the kept results store); a vault's stored id is accepted only for its own file.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { NEU_CLASSES } from '../../../src-shared/domain/classes.ts';
import { parseObfModel } from '../obfuscated/obf-model-file.ts';
import { PAPER_ARCHITECTURE, randomChunkCnn } from '../sealed/model/chunk-cnn.ts';
import { parseModel, serializeModel } from '../sealed/model/model-file.ts';
import { canonicalJson, earlierTextId, modelIdOf } from './model-id.ts';

const REPO = fileURLToPath(new URL('../../..', import.meta.url));
const SHIPPED = path.join(REPO, 'assets/models/neu-chunk-cnn.json');

/** Every object's keys in reverse order, at every depth. */
function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .reverse()
        .map(([key, item]) => [key, reverseKeys(item)]),
    );
  return value;
}

/** The same model laid out otherwise: keys reversed, 4-space indent, CRLF, numbers respelled. */
function reformat(text: string): string {
  const relaid = JSON.stringify(reverseKeys(JSON.parse(text)), null, 4)
    .replace('"version": 1,', '"version": 1.0,')
    .replace('"threshold": 100', '"threshold": 1e2')
    .replaceAll('\n', '\r\n');
  expect(relaid).not.toBe(text);
  return `\n${relaid}\n`;
}

function randomModelText(seed: number): string {
  return serializeModel(randomChunkCnn(PAPER_ARCHITECTURE, seed), {
    classes: NEU_CLASSES,
    threshold: 100,
    minFeatureChunks: 12,
    activationRanges: { conv: 3, fc1: 20, scores: 40, imageScores: 300 },
    provenance: { kind: 'random weights for tests', seed, notes: { b: 1, a: [1, 2] } },
  });
}

describe('canonicalJson', () => {
  it('sorts keys at every depth (integer-like ones as strings), keeps arrays in order, no whitespace', () => {
    expect(canonicalJson({ b: [3, { z: 1, y: null }], a: 'é"', 10: true, 9: false })).toBe(
      '{"10":true,"9":false,"a":"é\\"","b":[3,{"y":null,"z":1}]}',
    );
    expect(canonicalJson(JSON.parse('[1.0, 1e2, -0, 0.1]'))).toBe('[1,100,0,0.1]');
  });
});

describe('a model id', () => {
  it('is the same however the file is laid out, and changes with a weight', () => {
    const text = randomModelText(7);
    const model = parseModel(text, 'random');
    expect(model.id).toMatch(/^[0-9a-f]{16}$/);
    expect(parseModel(reformat(text), 'reformatted').id).toBe(model.id);
    const file = JSON.parse(text);
    file.weights.fc1Weight[100] += 1e-9;
    expect(parseModel(JSON.stringify(file), 'one weight changed').id).not.toBe(model.id);
    const other = JSON.parse(text);
    other.provenance.seed = 8;
    expect(parseModel(JSON.stringify(other), 'provenance changed').id).not.toBe(model.id);
  });

  it('of a file written since is the hash of its canonical content, not of its text', () => {
    const text = randomModelText(3);
    expect(parseModel(text, 'random').id).toBe(modelIdOf(JSON.parse(text)));
    // serializeModel writes format first, so the canonical (sorted) form is another text.
    expect(parseModel(text, 'random').id).not.toBe(earlierTextId(text));
  });

  it('of the shipped model is f42c592b0e71377f, also reformatted, and not once a weight changes', async () => {
    const text = await readFile(SHIPPED, 'utf8');
    expect(parseModel(text, SHIPPED).id).toBe('f42c592b0e71377f');
    expect(parseModel(reformat(text), 'reformatted').id).toBe('f42c592b0e71377f');
    const file = JSON.parse(text);
    file.weights.convWeight[0] += 1e-9;
    const changed = parseModel(JSON.stringify(file), 'one weight changed').id;
    expect(changed).not.toBe('f42c592b0e71377f');
    // The search head is not part of the classifier's id.
    const { embeddingHead, ...classifier } = file;
    expect(embeddingHead).toBeDefined();
    expect(changed).toBe(modelIdOf(classifier));
  });

  it.each([
    ['assets/demo-models/neu-baseline-relu.json', 'sealed'],
    ['docs/accuracy/neu-chunk-cnn-split1-800.json', 'sealed'],
    ['docs/accuracy/neu-chunk-cnn-split1.json', 'sealed'],
    ['assets/demo-models/obf-mnist.json', 'obf'],
    ['assets/demo-models/obf-mednist.json', 'obf'],
  ])('of %s is the one earlier versions gave it, also reformatted', async (file, tier) => {
    const text = await readFile(path.join(REPO, file), 'utf8');
    const parse = tier === 'sealed' ? parseModel : parseObfModel;
    expect(parse(text, file).id).toBe(earlierTextId(text));
    expect(parse(reformat(text), file).id).toBe(earlierTextId(text));
  });
});

describe('the id a vault stores a model under', () => {
  const text = randomModelText(5);
  const id = parseModel(text, 'random').id;

  it('is kept when it is the content id, or the id an earlier version gave this exact text', () => {
    expect(parseModel(text, 'stored', { storedAs: id }).id).toBe(id);
    const earlier = earlierTextId(text);
    expect(earlier).not.toBe(id);
    expect(parseModel(text, 'stored', { storedAs: earlier }).id).toBe(earlier);
  });

  it("is refused for another model's file, or for this text reformatted under its earlier id", () => {
    const otherId = parseModel(randomModelText(6), 'other').id;
    expect(() => parseModel(text, 'model x', { storedAs: otherId })).toThrow(
      `model x: stored file has id ${id}`,
    );
    expect(() => parseModel(reformat(text), 'model x', { storedAs: earlierTextId(text) })).toThrow(
      `model x: stored file has id ${id}`,
    );
  });
});
