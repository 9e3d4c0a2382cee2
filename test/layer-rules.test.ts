// The lint rules that keep the architecture honest must actually fire, the declared
// layer graph must be acyclic, and no product file may import itself in a circle.
import { expect, it } from 'vitest';
import { ESLint } from 'eslint';
import path from 'node:path';
import { REPO_ROOT } from './helpers/fixtures.ts';
import { cycles, importGraph } from './helpers/import-graph.ts';
import { LAYERS, mayImport } from '../eslint-rules/layers.js';

const eslint = new ESLint({ cwd: REPO_ROOT });

async function ruleIds(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(REPO_ROOT, file) });
  return result!.messages.map((m) => m.ruleId ?? m.message);
}

it('keeps src-shared free of Node built-ins, DOM globals and Electron', async () => {
  const file = 'src-shared/domain/example.ts';
  expect(
    await ruleIds(file, "import { readFile } from 'node:fs';\nexport { readFile };\n"),
  ).toContain('no-restricted-imports');
  expect(
    await ruleIds(file, "import { ipcRenderer } from 'electron';\nexport { ipcRenderer };\n"),
  ).toContain('no-restricted-imports');
  expect(await ruleIds(file, 'export const w = window.innerWidth;\n')).toContain(
    'no-restricted-globals',
  );
  expect(await ruleIds(file, 'export const b = Buffer.alloc(1);\n')).toContain(
    'no-restricted-globals',
  );
  expect(await ruleIds(file, "import { z } from 'zod';\nexport const s = z.string();\n")).toEqual(
    [],
  );
});

it('keeps the engine free of Electron', async () => {
  const file = 'src-main/engine/vault/example.ts';
  expect(await ruleIds(file, "import { app } from 'electron';\nexport { app };\n")).toContain(
    'no-restricted-imports',
  );
  expect(
    await ruleIds(file, "import { readFile } from 'node:fs';\nexport { readFile };\n"),
  ).toEqual([]);
});

it('lets only the Electron shell import Electron', async () => {
  const importElectron = "import { app } from 'electron';\nexport { app };\n";
  for (const file of [
    'src-main/app/example.ts',
    'src-main/cli/example.ts',
    'src-main/preview/example.ts',
    'src-renderer/example.ts',
    'src-renderer/example.tsx',
    'src-shared/contract/example.ts',
    'scripts/example.ts',
    'test/example.test.ts',
  ]) {
    expect(await ruleIds(file, importElectron), file).toContain('no-restricted-imports');
  }
  expect(await ruleIds('src-main/electron/example.ts', importElectron)).toEqual([]);
});

it('lets scripts and tests use the shell build helpers, which do not import Electron', async () => {
  const code =
    "import { bundleElectron } from '../src-main/electron/build/bundle.ts';\nexport { bundleElectron };\n";
  expect(await ruleIds('scripts/example.ts', code)).toEqual([]);
  expect(
    await ruleIds('scripts/example.ts', "import { app } from 'electron/main';\nexport { app };\n"),
  ).toContain('no-restricted-imports');
});

it('holds the engine to its declared layer graph', async () => {
  const from = (file: string, source: string) =>
    ruleIds(file, `import { x } from '${source}';\nexport { x };\n`);
  // The model is the bottom of the sealed tier: it cannot reach up into CKKS or training.
  expect(await from('src-main/engine/sealed/model/x.ts', '../ckks/he-safety.ts')).toContain(
    'layers/allowed-imports',
  );
  expect(await from('src-main/engine/sealed/model/x.ts', '../train/fit-chunk-cnn.ts')).toContain(
    'layers/allowed-imports',
  );
  // A layout does not run the evaluation threads; the tiers do not import each other.
  expect(
    await from('src-main/engine/sealed/layouts/blocks/x.ts', '../../inference/evaluation-pool.ts'),
  ).toContain('layers/allowed-imports');
  expect(await from('src-main/engine/obfuscated/x.ts', '../sealed/model/chunk-cnn.ts')).toContain(
    'layers/allowed-imports',
  );
  expect(await from('src-main/engine/image/x.ts', '../vault/vault.ts')).toContain(
    'layers/allowed-imports',
  );
  // Allowed edges and imports inside a folder pass.
  expect(await from('src-main/engine/sealed/train/x.ts', '../model/chunk-cnn.ts')).toEqual([]);
  expect(await from('src-main/engine/vault/x.ts', '../sealed/layouts/layout.ts')).toEqual([]);
  expect(await from('src-main/engine/sealed/model/x.ts', './chunk-cnn.ts')).toEqual([]);
});

it('imports a module with an index.ts only through it from outside', async () => {
  const from = (file: string, source: string) =>
    ruleIds(file, `import { x } from '${source}';\nexport { x };\n`);
  expect(await from('src-main/engine/vault/x.ts', '../crypto/aead.ts')).toContain(
    'layers/no-deep-import',
  );
  expect(await from('src-main/app/x.ts', '../engine/image/sobel.ts')).toContain(
    'layers/no-deep-import',
  );
  expect(await from('src-main/engine/vault/x.ts', './catalogue/images.ts')).toContain(
    'layers/no-deep-import',
  );
  expect(await from('src-main/engine/vault/x.ts', '../crypto/index.ts')).toEqual([]);
  expect(await from('src-main/engine/vault/x.ts', '../farm/broker-url.ts')).toEqual([]);
  expect(await from('src-main/engine/crypto/x.ts', './aead.ts')).toEqual([]);
  // The app, CLI and preview server enter the engine through its faces only.
  expect(await from('src-main/app/x.ts', '../engine/vault/vault.ts')).toContain(
    'layers/no-deep-import',
  );
  expect(await from('src-main/cli/commands/x.ts', '../../engine/farm/blob-store.ts')).toContain(
    'layers/no-deep-import',
  );
  for (const face of ['index.ts', 'obfuscated-tier.ts', 'sealed-training.ts', 'farm/index.ts'])
    expect(await from('src-main/app/x.ts', `../engine/${face}`)).toEqual([]);
});

it('declares an acyclic layer graph, every edge between declared folders', () => {
  for (const [folder, allowed] of Object.entries(LAYERS)) {
    for (const entry of allowed) {
      const declared = entry.endsWith('/**')
        ? Object.keys(LAYERS).some((other) => mayImport(folder, other) && other !== folder)
        : Object.hasOwn(LAYERS, entry);
      expect(declared, `${folder} → ${entry}`).toBe(true);
    }
  }
  const graph = new Map(
    Object.keys(LAYERS).map((folder) => [
      folder,
      Object.keys(LAYERS).filter((other) => other !== folder && mayImport(folder, other)),
    ]),
  );
  // A folder may import its own sub-folders (`X/**`), and they may not import it back.
  expect(cycles(graph)).toEqual([]);
  expect(
    cycles(
      new Map([
        ['a', ['b']],
        ['b', ['c']],
        ['c', ['a']],
        ['d', ['a']],
      ]),
    ),
  ).toEqual([['a', 'b', 'c']]);
});

it('has no import cycle between product files', () => {
  expect(cycles(importGraph(['src-main', 'src-shared', 'src-renderer']))).toEqual([]);
});
