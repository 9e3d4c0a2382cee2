// `npm run bench -- <name> [--json]`: benchmarks print one JSON document on stdout.
const BENCHMARKS: Record<string, () => Promise<unknown>> = {
  ablation: async () => (await import('./ablation.ts')).runAblation(),
  constants: async () => (await import('./constants-bench.ts')).runConstantsBench(),
  farm: async () => (await import('./farm-bench.ts')).runFarmBench(),
  features: async () => (await import('./features-bench.ts')).runFeaturesBench(),
  import: async () => (await import('./import-bench.ts')).runImportBench(),
  'obf-index': async () => (await import('./obf-index-bench.ts')).runObfIndexBench(),
  fidelity: async () => (await import('./fidelity.ts')).runFidelityBench(),
  he: async () => (await import('./he-bench.ts')).runHeBench(),
  paper: async () => (await import('./paper/paper-bench.ts')).runPaperBench(),
  retrieval: async () => (await import('./retrieval-bench.ts')).runRetrievalBench(),
  seeds: async () => (await import('./seed-variance.ts')).runSeedVariance(),
  'split-folders': async () => (await import('./split-folders.ts')).runSplitFolders(),
  table1: async () => (await import('./table1.ts')).runTable1(),
};

const name = process.argv.slice(2).find((a) => !a.startsWith('-'));
const bench = name ? BENCHMARKS[name] : undefined;
if (!bench) {
  process.stderr.write(`usage: npm run bench -- <${Object.keys(BENCHMARKS).join('|')}> [--json]\n`);
  process.exit(2);
}
process.stdout.write(`${JSON.stringify(await bench(), null, 2)}\n`);
