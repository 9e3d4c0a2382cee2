// The installer packages only runtime models: electron-builder takes assets/models (and no
// demo model), and that folder — which the app also reads for search models — holds only
// the shipped steel-defect model, so no demo model from another domain can reach a user.
import { expect, it } from 'vitest';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { loadModel } from '../src-main/engine/index.ts';
import { NEU_CLASSES } from '../src-shared/domain/classes.ts';
import { REPO_ROOT } from './helpers/fixtures.ts';

it('packages assets/models only, and that folder holds only the runtime steel model', async () => {
  const config = await readFile(path.join(REPO_ROOT, 'electron-builder.yml'), 'utf8');
  expect(config).toMatch(/^\s*- assets\/models\/\*\*\/\*$/m);
  expect(config).not.toMatch(/demo-models|assets\/\*\*|^\s*- assets\/?$/m);
  const runtime = await readdir(path.join(REPO_ROOT, 'assets', 'models'));
  expect(runtime).toEqual(['neu-chunk-cnn.json']);
  const model = await loadModel(path.join(REPO_ROOT, 'assets', 'models', 'neu-chunk-cnn.json'));
  expect(model.file.classes).toEqual([...NEU_CLASSES]);
  // The demo models are still in the repository, for measurement and the CLI.
  expect((await readdir(path.join(REPO_ROOT, 'assets', 'demo-models'))).sort()).toEqual([
    'neu-baseline-relu.json',
    'obf-mednist.json',
    'obf-mnist.json',
  ]);
});
