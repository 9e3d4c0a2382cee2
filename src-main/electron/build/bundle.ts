// Bundles the Electron shell with esbuild (Electron cannot run our TypeScript as Node 24
// does, by type stripping, reliably — and never from inside app.asar):
//   dist/electron/main.js      ESM, the main process: shell + AppService + engine
//   dist/electron/preload.cjs  CommonJS, one file (a sandboxed preload can only
//                              require('electron') and a few built-ins)
//   dist/electron/<name>.js    one ESM bundle per worker-thread entry the code starts (ESM
//                              because the workers use top-level await).
//
// Workers: the engine starts them as `new Worker(new URL('./x.ts', import.meta.url))`.
// Inside a bundle that URL would point next to main.js at a .ts file that is not there,
// so the plugin below rewrites each such URL to `new URL('./x.js', import.meta.url)` and
// bundles x.ts as an entry of its own into the same folder (recursively: a worker may
// start workers). Other `new URL('<relative>', import.meta.url)` references (the shipped
// model file) are re-based from the source file's folder to the output folder, so they
// still point at the same file of the packaged app. Every bundle lands in one flat folder,
// so a rewritten URL is right whichever bundle the code ends up in.
//
// Native and WASM packages stay external (loaded from node_modules at run time, unpacked
// from the asar by electron-builder): better-sqlite3, sharp, node-seal, @tensorflow/*.
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import * as esbuild from 'esbuild';

export const NATIVE_EXTERNALS = [
  'electron',
  'better-sqlite3',
  'sharp',
  'node-seal',
  'node-seal/*',
  '@tensorflow/*',
] as const;

/**
 * Modules a dependency requires only inside a try/catch, as an optional alternative we do
 * not install: bullmq's Valkey GLIDE client and its PostgreSQL backend (the farm uses
 * ioredis). They stay external and absent, so the require fails and bullmq takes its
 * ioredis path.
 */
export const ABSENT_OPTIONAL_EXTERNALS = ['@valkey/valkey-glide', 'pg'] as const;

/** `new URL('<spec>', import.meta.url)` with a literal, relative spec. */
const IMPORT_META_URL = /new\s+URL\(\s*(['"])(\.{1,2}\/[^'"\n]*)\1\s*,\s*import\.meta\.url\s*\)/g;
const MODULE_SPEC = /\.(ts|mts|js|mjs)$/;

/** ESM output cannot `require`; bundled CommonJS dependencies still call it. */
const ESM_REQUIRE_BANNER =
  "import { createRequire as __sealsightCreateRequire } from 'node:module';\n" +
  'const require = __sealsightCreateRequire(import.meta.url);';

export interface UrlRewrite {
  readonly code: string;
  /** Module files referenced as worker entries: absolute path → output file name. */
  readonly workers: ReadonlyMap<string, string>;
}

/**
 * Rewrites the import.meta.url references of one source file for a bundle written to
 * `outDir` (pure: unit-tested on its own).
 */
export function rewriteImportMetaUrls(
  code: string,
  sourceFile: string,
  outDir: string,
): UrlRewrite {
  const workers = new Map<string, string>();
  const rewritten = code.replace(IMPORT_META_URL, (_match, _quote: string, spec: string) => {
    const target = path.resolve(path.dirname(sourceFile), spec);
    if (MODULE_SPEC.test(spec)) {
      const name = `${path.basename(target).replace(MODULE_SPEC, '')}.js`;
      workers.set(target, name);
      return `new URL(${JSON.stringify(`./${name}`)}, import.meta.url)`;
    }
    let rebased = path.relative(outDir, target).split(path.sep).join('/');
    if (!rebased.startsWith('.')) rebased = `./${rebased}`;
    if (spec.endsWith('/') && !rebased.endsWith('/')) rebased += '/';
    return `new URL(${JSON.stringify(rebased)}, import.meta.url)`;
  });
  return { code: rewritten, workers };
}

function importMetaUrlPlugin(outDir: string, onWorker: (file: string, name: string) => void) {
  return {
    name: 'sealsight-import-meta-url',
    setup(build: esbuild.PluginBuild) {
      build.onLoad({ filter: /\.[cm]?ts$/ }, async (args) => {
        if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
        const source = await readFile(args.path, 'utf8');
        const { code, workers } = rewriteImportMetaUrls(source, args.path, outDir);
        for (const [file, name] of workers) onWorker(file, name);
        return { contents: code, loader: 'ts' };
      });
    },
  } satisfies esbuild.Plugin;
}

export interface BundleOptions {
  readonly repoRoot: string;
  /** Default: <repoRoot>/dist/electron. */
  readonly outDir?: string;
  /** Extra ESM entries bundled like main (tests bundle the AppService to run it in Node). */
  readonly extraEntries?: Readonly<Record<string, string>>;
  readonly minify?: boolean;
}

export interface BundleResult {
  readonly outDir: string;
  /** Output file name → source file, for main, extra entries and every worker (ESM). */
  readonly bundles: ReadonlyMap<string, string>;
  readonly preload: string;
  /** Externals each output imports (from esbuild's metafile). */
  readonly externalImports: ReadonlyMap<string, readonly string[]>;
}

export async function bundleElectron(options: BundleOptions): Promise<BundleResult> {
  const repoRoot = path.resolve(options.repoRoot);
  const outDir = path.resolve(options.outDir ?? path.join(repoRoot, 'dist', 'electron'));
  const shell = path.join(repoRoot, 'src-main', 'electron');
  // The folder is ours alone: start empty so no stale worker bundle gets packaged.
  await rm(outDir, { recursive: true, force: true });
  const bundles = new Map<string, string>();
  const externalImports = new Map<string, readonly string[]>();
  const queue: Array<[name: string, source: string]> = [
    ['main.js', path.join(shell, 'main.ts')],
    ...Object.entries(options.extraEntries ?? {}).map(
      ([name, file]) => [name, path.resolve(repoRoot, file)] as [string, string],
    ),
  ];
  const common = {
    bundle: true,
    absWorkingDir: repoRoot,
    sourcemap: 'linked',
    legalComments: 'linked',
    keepNames: true,
    minify: options.minify ?? false,
    metafile: true,
    logLevel: 'warning',
  } satisfies esbuild.BuildOptions;

  const record = (result: esbuild.BuildResult<{ metafile: true }>): void => {
    for (const [file, output] of Object.entries(result.metafile.outputs)) {
      if (file.endsWith('.map') || file.endsWith('.LEGAL.txt')) continue;
      const externals = output.imports.filter((i) => i.external).map((i) => i.path);
      externalImports.set(path.basename(file), [...new Set(externals)].sort());
    }
  };

  while (queue.length > 0) {
    const [name, source] = queue.shift()!;
    const known = bundles.get(name);
    if (known !== undefined) {
      if (known !== source)
        throw new Error(`two worker entries both bundle to ${name}: ${known}, ${source}`);
      continue;
    }
    bundles.set(name, source);
    const plugin = importMetaUrlPlugin(outDir, (file, workerName) => {
      queue.push([workerName, file]);
    });
    record(
      await esbuild.build({
        ...common,
        entryPoints: [source],
        outfile: path.join(outDir, name),
        platform: 'node',
        format: 'esm',
        target: 'node22',
        external: [...NATIVE_EXTERNALS, ...ABSENT_OPTIONAL_EXTERNALS],
        banner: { js: ESM_REQUIRE_BANNER },
        plugins: [plugin],
      }),
    );
  }

  const preload = path.join(outDir, 'preload.cjs');
  record(
    await esbuild.build({
      ...common,
      entryPoints: [path.join(shell, 'preload.ts')],
      outfile: preload,
      platform: 'browser',
      format: 'cjs',
      target: 'chrome120',
      external: ['electron'],
    }),
  );
  return { outDir, bundles, preload, externalImports };
}
