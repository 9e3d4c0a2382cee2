// The Electron build (npm run build:electron) as it is packaged: bundles are checked for
// what they import and where their worker URLs point, and the bundled AppService is run
// in plain Node (the tests run without the Electron binary) to prove that the rewritten worker
// URLs resolve: a real import of sample images runs in the bundled import workers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, readdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import vm from 'node:vm';
import { IPC_CHANNEL_NAMES, methodNameOf } from '../src-shared/contract/ipc.ts';
import { isBuiltin } from 'node:module';
import { ABSENT_OPTIONAL_EXTERNALS, bundleElectron } from '../src-main/electron/build/bundle.ts';
import type { BundleResult } from '../src-main/electron/build/bundle.ts';
import { makeTempDir, REPO_ROOT } from './helpers/fixtures.ts';

const run = promisify(execFile);
/** Directory links that need no privilege on Windows. */
const LINK = process.platform === 'win32' ? 'junction' : 'dir';
const ALLOWED_EXTERNALS =
  /^(node:.+|electron|better-sqlite3|sharp|node-seal(\/.+)?|@tensorflow\/.+)$/;
const URL_REFERENCE = /new URL\("([^"]+)", import\.meta\.url\)/g;

let temp: Awaited<ReturnType<typeof makeTempDir>>;
let result: BundleResult;

beforeAll(async () => {
  temp = await makeTempDir('sealsight-bundle-');
  // The packaged app's layout: <app>/package.json, <app>/dist/electron, <app>/node_modules.
  await writeFile(path.join(temp.dir, 'package.json'), '{ "type": "module" }\n');
  await symlink(path.join(REPO_ROOT, 'node_modules'), path.join(temp.dir, 'node_modules'), LINK);
  result = await bundleElectron({
    repoRoot: REPO_ROOT,
    outDir: path.join(temp.dir, 'dist', 'electron'),
    extraEntries: { 'app-service.js': 'src-main/app/app-service.ts' },
  });
});
afterAll(() => temp.cleanup());

describe('Electron bundles', () => {
  it('bundles main, the preload and every worker the code starts', () => {
    expect([...result.bundles.keys()]).toEqual(
      expect.arrayContaining([
        'main.js',
        'app-service.js',
        'import-worker.js',
        'evaluation-worker.js',
      ]),
    );
    expect(existsSync(result.preload)).toBe(true);
  });

  it('leaves only Node built-ins and the native/WASM packages external', () => {
    for (const [file, externals] of result.externalImports) {
      if (file === 'preload.cjs') continue;
      for (const name of externals)
        // Dependencies (bullmq, ioredis) name Node built-ins without the node: prefix.
        if (!isBuiltin(name) && !(ABSENT_OPTIONAL_EXTERNALS as readonly string[]).includes(name))
          expect(name, file).toMatch(ALLOWED_EXTERNALS);
    }
    expect(result.externalImports.get('main.js')).toContain('electron');
    // The AppService and the workers must run without Electron (plain Node, tests, preview).
    for (const [file, externals] of result.externalImports) {
      if (file !== 'main.js' && file !== 'preload.cjs')
        expect(externals, file).not.toContain('electron');
    }
  });

  it('makes the preload one CommonJS file that requires nothing but electron', async () => {
    expect(result.externalImports.get('preload.cjs')).toEqual(['electron']);
    const code = await readFile(result.preload, 'utf8');
    expect([...code.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1])).toEqual(['electron']);
    expect(code.startsWith('"use strict";')).toBe(true);
    expect(code).not.toMatch(/^import |^export /m);
    expect(code).toContain('exposeInMainWorld("api"');
  });

  it('runs the preload with string evaluation forbidden (the CSP) and exposes only window.api', async () => {
    const exposed: Array<[string, Record<string, unknown>]> = [];
    const invoked: unknown[][] = [];
    const fakeElectron = {
      contextBridge: {
        exposeInMainWorld: (key: string, api: Record<string, unknown>) => exposed.push([key, api]),
      },
      ipcRenderer: {
        invoke: async (...args: unknown[]) => {
          invoked.push(args);
          return { ok: true, value: { cancelled: false } };
        },
        on: () => {},
        removeListener: () => {},
      },
    };
    const requireInPreload = (name: string) => {
      if (name !== 'electron') throw new Error(`the preload required ${name}`);
      return fakeElectron;
    };
    const context = vm.createContext(
      { require: requireInPreload, module: { exports: {} }, console },
      // Like a page whose CSP has no 'unsafe-eval': eval and new Function throw EvalError.
      { codeGeneration: { strings: false, wasm: false } },
    );
    // Count every attempt to compile a string, even one zod would catch: a probe made
    // before the CSP applies would otherwise switch its compiled fast path on for good.
    vm.runInContext(
      'globalThis.__stringCompiles = 0; globalThis.Function = new Proxy(Function, {' +
        ' construct() { globalThis.__stringCompiles++; throw new EvalError("blocked"); },' +
        ' apply() { globalThis.__stringCompiles++; throw new EvalError("blocked"); } });',
      context,
    );
    vm.runInContext(await readFile(result.preload, 'utf8'), context, { filename: 'preload.cjs' });
    expect(exposed.map(([key]) => key)).toEqual(['api']);
    const api = exposed[0]![1];
    expect(Object.keys(api).sort()).toEqual(
      [...IPC_CHANNEL_NAMES.map(methodNameOf), 'onProgress', 'cancel'].sort(),
    );
    // A full round trip through zod (request and response parsing) without any eval.
    await expect((api.cancel as (id: string) => Promise<unknown>)('job-12345678')).resolves.toEqual(
      {
        cancelled: false,
      },
    );
    expect(invoked).toEqual([['job:cancel', { jobId: 'job-12345678' }]]);
    expect(vm.runInContext('__stringCompiles', context)).toBe(0);
  });

  it('points every import.meta.url reference at a file that exists', async () => {
    const outDir = result.outDir;
    for (const file of result.bundles.keys()) {
      const code = await readFile(path.join(outDir, file), 'utf8');
      for (const [, spec] of code.matchAll(URL_REFERENCE)) {
        expect(spec, `${file}: ${spec}`).not.toMatch(/\.ts$/);
        const target = new URL(spec!, pathToFileURL(path.join(outDir, file)));
        expect(existsSync(target), `${file} → ${spec}`).toBe(true);
      }
    }
    expect((await readdir(outDir)).filter((f) => f.endsWith('.ts'))).toEqual([]);
  });
});

describe('bundled AppService in plain Node', () => {
  it('imports sample images through the bundled import workers', async () => {
    const samples = path.join(temp.dir, 'samples');
    for (const label of ['crazing', 'scratches']) {
      const from = path.join(REPO_ROOT, 'assets', 'samples', 'neu-cls', label);
      const [first] = (await readdir(from)).sort();
      await mkdir(path.join(samples, label), { recursive: true });
      await copyFile(path.join(from, first!), path.join(samples, label, first!));
    }
    const script = `
      const { createAppService } = await import(${JSON.stringify(
        pathToFileURL(path.join(result.outDir, 'app-service.js')).href,
      )});
      const service = createAppService({ stateDir: ${JSON.stringify(path.join(temp.dir, 'state'))},
        workers: 2, kdf: { logN: 14 } });
      await service.handle('vault:create', { dir: ${JSON.stringify(path.join(temp.dir, 'vault'))},
        passphrase: 'bundle test passphrase' });
      const report = await service.handle('import:run', { jobId: 'bundle-job-1',
        folder: ${JSON.stringify(samples)}, labelsFromFolders: true, threshold: 100 });
      const { items } = await service.handle('images:list', {});
      await service.dispose();
      console.log(JSON.stringify({ imported: report.imported, failed: report.failed,
        labels: items.map((i) => i.label).sort() }));
    `;
    // A file, not --eval: worker threads inherit execArgv, and --input-type breaks them.
    const scriptFile = path.join(temp.dir, 'run-bundled-service.mjs');
    await writeFile(scriptFile, script);
    const { stdout } = await run(process.execPath, [scriptFile], {
      cwd: temp.dir,
      timeout: 180_000,
    });
    expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toEqual({
      imported: 2,
      failed: [],
      labels: ['crazing', 'scratches'],
    });
  });
});
