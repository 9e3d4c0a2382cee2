import { describe, expect, it } from 'vitest';
import { createObfuscator } from './arnold-xor.ts';
import { fromHalf, toHalf } from './float16.ts';
import { disposeNet, runNet } from './obf-net.ts';
import { initTfWasm } from '../ml/tf-wasm.ts';
import {
  DEMO_KEY_WARNING,
  embeddedKey,
  hasDemoKey,
  instantiateObfNet,
  OBF_MODEL_VERSION,
  parseObfModel,
  serializeObfModel,
} from './obf-model-file.ts';
import { fitObfNet } from './train-obf.ts';
import { toyDataset } from './toy-dataset.testutil.ts';

describe('obfuscated-tier model file', () => {
  it('round-trips: same key, classes and shape; float16 weights give the same predictions', async () => {
    const tf = await initTfWasm();
    const key = Uint8Array.from({ length: 32 }, (_, i) => i * 11);
    const data = toyDataset(64, 5);
    const fitted = await fitObfNet(tf, data, {
      arch: 'dcnn',
      condition: 'arnold+xor',
      key,
      epochs: 2,
      seed: 1,
      bitPlanes: 3,
      batchSize: 16,
      learningRate: 2e-3,
      shift: 0,
    });
    const text = serializeObfModel(fitted, {
      classes: data.classes,
      condition: 'arnold+xor',
      key: { demo: key },
      provenance: { seed: 1, epochs: 2, dataHash: data.dataHash },
    });
    const loaded = parseObfModel(text, 'model.json');
    expect(embeddedKey(loaded, 'model.json')).toEqual(key);
    expect(hasDemoKey(loaded)).toBe(true);
    expect(loaded.file.key.warning).toBe(DEMO_KEY_WARNING);
    expect(loaded.file.classes).toEqual(['left', 'right']);
    expect(loaded.shape).toEqual({ arch: 'dcnn', size: 12, bitPlanes: 3, classes: 2 });
    expect(loaded.file.provenance).toMatchObject({ seed: 1, epochs: 2 });
    const net = instantiateObfNet(tf, loaded, 'model.json');
    const obf = createObfuscator(key, 12, 'arnold+xor').obfuscateBatch(data.pixels);
    const before = runNet(tf, fitted, obf, 64);
    const after = runNet(tf, net, obf, 64);
    expect(after.predicted).toEqual(before.predicted);
    let maxDiff = 0;
    for (let i = 0; i < before.embeddings.length; i++)
      maxDiff = Math.max(maxDiff, Math.abs(before.embeddings[i]! - after.embeddings[i]!));
    expect(maxDiff).toBeLessThan(5e-3);
    disposeNet(fitted);

    // Damaged or foreign files are refused with the file name and the cause.
    const file = JSON.parse(text) as { version: number; weights: Array<{ shape: number[] }> };
    expect(() =>
      parseObfModel(JSON.stringify({ ...file, version: OBF_MODEL_VERSION + 1 }), 'new.json'),
    ).toThrow(new RegExp(`new\\.json: model format v${OBF_MODEL_VERSION + 1} is newer`));
    expect(() => parseObfModel('{', 'broken.json')).toThrow(/broken\.json: not a model file/);
    expect(() => parseObfModel(JSON.stringify({ ...file, condition: 'rot13' }), 'c.json')).toThrow(
      /c\.json: not a valid obfuscated-tier model file \(condition/,
    );
    // A vault's model names the vault's key and holds none: not the bytes, not their hex.
    const bound = serializeObfModel(net, {
      classes: data.classes,
      condition: 'arnold+xor',
      key: { vaultId: 'a1b2', keyId: 3 },
      provenance: {},
    });
    expect(bound).not.toContain(Buffer.from(key).toString('hex'));
    const boundModel = parseObfModel(bound, 'bound.json');
    expect(boundModel.keySource).toEqual({ kind: 'vault', vaultId: 'a1b2', keyId: 3 });
    expect(hasDemoKey(boundModel)).toBe(false);
    expect(() => embeddedKey(boundModel, 'bound.json')).toThrow(
      /bound\.json: trained under the obfuscation key of vault a1b2/,
    );
    file.weights[0]!.shape = [1, 2];
    const bad = parseObfModel(JSON.stringify(file), 'shape.json');
    expect(() => instantiateObfNet(tf, bad, 'shape.json')).toThrow(
      /shape\.json: weights\[0\] has shape 1×2/,
    );
    disposeNet(net);
  });

  it('packs binary16 with round-to-nearest-even', () => {
    for (const v of [0, 1, -2, 0.5, 65504, 6.1035156e-5, 5.96e-8, 0.1, -3.14159])
      expect(Math.abs(fromHalf(toHalf(v)) - v)).toBeLessThanOrEqual(Math.abs(v) * 2 ** -11 + 3e-8);
    expect(toHalf(1 + 2 ** -11)).toBe(0x3c00); // tie → even
    expect(toHalf(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(fromHalf(toHalf(1e6))).toBe(Infinity);
  });
});
