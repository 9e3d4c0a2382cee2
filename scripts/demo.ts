// `npm run demo`: the main job on the bundled samples, through the real CLI —
// create a fresh vault, import the NEU-CLS samples (feature chunks under CKKS, the
// rest under AES-GCM), list them, authenticate every stored item, export one back.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = fileURLToPath(new URL('..', import.meta.url));
const demoDir = path.join(root, '.demo');
const vault = path.join(demoDir, 'vault');
const samples = path.join(root, 'assets', 'samples', 'neu-cls');
// A demo passphrase, for the demo vault only. Real vaults ask for yours.
const env = {
  ...process.env,
  SEALSIGHT_PASSPHRASE: process.env.SEALSIGHT_PASSPHRASE ?? 'demo passphrase, not a secret',
};

function sealsight(...args: string[]): unknown {
  process.stderr.write(`\n$ sealsight ${args.join(' ')}\n`);
  const result = spawnSync(
    process.execPath,
    [path.join(root, 'bin', 'sealsight.mjs'), ...args, '--json'],
    {
      env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  if (result.status !== 0) {
    process.stderr.write(result.stdout);
    throw new Error(`sealsight ${args[0]} failed with exit code ${result.status}`);
  }
  return JSON.parse(result.stdout);
}

rmSync(demoDir, { recursive: true, force: true });
mkdirSync(demoDir, { recursive: true });
sealsight('vault', 'init', vault);
const report = sealsight('import', vault, samples, '--labels-from-folders') as {
  imported: number;
  failed: unknown[];
  imagesPerSecond: number;
};
const list = sealsight('list', vault) as {
  images: Array<{
    id: string;
    name: string;
    label: string;
    featureIndices: number[];
    lowGradient: boolean;
  }>;
};
const verify = sealsight('verify', vault) as { ok: boolean; itemsChecked: number };
const modelFile = path.join(root, 'assets', 'models', 'neu-chunk-cnn.json');
const classified = existsSync(modelFile)
  ? (sealsight('classify', vault, '--model', modelFile) as {
      classified: Array<{ id: string; predicted: string; seconds: number }>;
    })
  : null;
const predictions = new Map(classified?.classified.map((c) => [c.id, c]) ?? []);
const first = list.images[0]!;
const exported = sealsight(
  'export',
  vault,
  first.id,
  path.join(demoDir, path.basename(first.name)),
) as { outFile: string };

console.log('\nSealSight demo: sealed vault of the bundled NEU-CLS samples');
console.log(`vault: ${vault}`);
console.log(
  `imported ${report.imported} image(s), ${report.failed.length} failed, ${report.imagesPerSecond.toFixed(1)} images/s`,
);
console.log(
  'id            label             predicted under encryption   CKKS-encrypted chunks (signed indices > 0)',
);
for (const image of list.images) {
  const p = predictions.get(image.id);
  const predicted = p
    ? `${p.predicted === image.label ? '✓' : '✗'} ${p.predicted} (${p.seconds.toFixed(1)} s)`
    : '-';
  console.log(
    `${image.id.slice(0, 12)}  ${image.label.padEnd(16)}  ${predicted.padEnd(28)} ${image.featureIndices.length.toString().padStart(2)}/16 ${JSON.stringify(image.featureIndices)}${image.lowGradient ? ' (low gradient)' : ''}`,
  );
}
if (classified) {
  const correct = list.images.filter((i) => predictions.get(i.id)?.predicted === i.label).length;
  console.log(
    `encrypted classification: ${correct}/${list.images.length} correct (sample images are from the training data's folder)`,
  );
}
console.log(
  `verify: ${verify.ok ? 'ok' : 'PROBLEMS'} (${verify.itemsChecked} encrypted items authenticated)`,
);
console.log(`exported ${first.name} back to ${exported.outFile}`);
if (!classified) console.log(`No model at ${modelFile}: encrypted classification skipped.`);
