// The lint rules that keep the architecture honest must actually fire.
import { expect, it } from 'vitest';
import { ESLint } from 'eslint';
import path from 'node:path';
import { REPO_ROOT } from './helpers/fixtures.ts';

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
