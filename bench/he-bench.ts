// `npm run bench -- he [--model FILE] [--compare FILE,…] [--data DIR] [--workers N]
// [--no-paper] [--out FILE]`: encrypted inference as users wait for it — the shipped
// model (or the given one) classifying from a vault, end to end from the stored
// ciphertexts to the decrypted, stored classes:
//   blocks, 1 image and 16 images: latency per image;
//   lanes, a part-filled batch (costs a full one) and a batch per core (≥ 4,096 chunks):
//   throughput; each with peak RSS, the profile by operation, agreement with the float64
//   network, and the cost model's prediction beside the measurement.
// `--compare` adds rows for other model files in the same run (ratios need one run: the
// machine is noisy). The paper's smaller net (random weights, measured ranges) is the
// last row, with the TenSEAL-style baseline on a few of its chunks. One JSON document on
// stdout, also written to docs/results/he-bench.json (or --out).
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadSeal } from '../src-main/engine/sealed/ckks/seal-runtime.ts';
import {
  createCkksContext,
  DEFAULT_CKKS_PRESET,
} from '../src-main/engine/sealed/ckks/ckks-presets.ts';
import { calibrateOpCosts } from '../src-main/engine/sealed/layouts/op-costs.ts';
import type { OpCosts } from '../src-main/engine/sealed/layouts/cost-model.ts';
import { crossoverImages } from './he-crossover.ts';
import { TensealStyleBaseline } from './baseline/tenseal-style.ts';
import { loadModel } from '../src-main/engine/sealed/model/model-file.ts';
import { writeRandomModel } from '../test/helpers/models.ts';
import { benchImages, withinChunks } from './he-images.ts';
import type { PhaseRequest, runPhase } from './he-phase.ts';
import { NEU_DIR, option } from './bench-options.ts';

const REPO = fileURLToPath(new URL('../', import.meta.url));
const SHIPPED_MODEL = path.join(REPO, 'assets', 'models', 'neu-chunk-cnn.json');
const PHASE_SCRIPT = fileURLToPath(new URL('./he-phase.ts', import.meta.url));
/** Lane images per class to choose the full batches from (enough for 2 × 4,096 chunks). */
const LANE_POOL_PER_CLASS = 240;
/** Greedy whole-image packing wastes fewer than 16 lanes per cut. */
const MAX_WASTE = 15;
const PART_FILLED_IMAGES = 24;
const BASELINE_CHUNKS = 2;

type Phase = Awaited<ReturnType<typeof runPhase>>;
const round = (x: number, digits = 3) => Number(x.toFixed(digits));
const log = (line: string) => process.stderr.write(`bench he: ${line}\n`);

async function phase(request: PhaseRequest): Promise<Phase> {
  log(`${request.name} (own process)`);
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [PHASE_SCRIPT, JSON.stringify(request)],
    { maxBuffer: 64 * 1024 * 1024 },
  ).catch((error: { stderr?: string }) => {
    throw new Error(`${request.name} failed: ${error.stderr?.trim().split('\n').pop() ?? error}`);
  });
  return JSON.parse(stdout) as Phase;
}

async function measureModel(
  label: string,
  modelFile: string,
  common: Omit<PhaseRequest, 'name' | 'layout' | 'modelFile' | 'perClass' | 'from' | 'to'>,
) {
  const model = await loadModel(modelFile);
  const slots = DEFAULT_CKKS_PRESET.polyModulusDegree / 2;
  const pool = await benchImages(common.dataDir, LANE_POOL_PER_CLASS);
  const full = withinChunks(pool, common.workers * slots - common.workers * MAX_WASTE).length;
  const run = (name: string, layout: 'blocks' | 'lanes', count: number) =>
    phase({
      ...common,
      name: `${label}, ${name}`,
      layout,
      modelFile,
      perClass: LANE_POOL_PER_CLASS,
      from: 0,
      to: count,
    });
  const blocks1 = await run('blocks, 1 image', 'blocks', 1);
  const blocks16 = await run('blocks, 16 images', 'blocks', 16);
  const lanesPart = await run(`lanes, ${PART_FILLED_IMAGES} images`, 'lanes', PART_FILLED_IMAGES);
  const lanesFull = await run(`lanes, one batch per core`, 'lanes', full);
  const meanChunks = lanesFull.featureChunks / lanesFull.images;
  return {
    label,
    file: path.relative(REPO, modelFile),
    modelId: model.id,
    architecture: model.weights.architecture,
    summary: {
      blocksSecondsPerImage: { oneImage: blocks1.seconds, sixteenImages: blocks16.secondsPerImage },
      lanesChunksPerSecond: lanesFull.chunksPerSecond,
      lanesSecondsPerImage: lanesFull.secondsPerImage,
      lanesPeakRssMB: lanesFull.peakRssMB,
      agreement: Math.min(...[blocks1, blocks16, lanesPart, lanesFull].map((p) => p.agreement)),
      maxAbsError: Math.max(...[blocks1, blocks16, lanesPart, lanesFull].map((p) => p.maxAbsError)),
      crossover: crossoverImages(model, meanChunks, common.costs, common.workers),
    },
    phases: { blocks1, blocks16, lanesPart, lanesFull },
  };
}

/** The paper's net with random weights, ranges measured on bench images: a model file. */
async function paperModelFile(dataDir: string, scratch: string): Promise<string> {
  const file = path.join(scratch, 'paper-net-random.json');
  await writeRandomModel(
    file,
    1,
    (await benchImages(dataDir, 8)).map((image) => image.file),
  );
  return file;
}

async function tensealBaseline(modelFile: string, dataDir: string) {
  const model = await loadModel(modelFile);
  const seal = await loadSeal();
  using baseline = new TensealStyleBaseline(seal, model.weights);
  const sample = (await benchImages(dataDir, 1))[0]!.chunks.slice(0, BASELINE_CHUNKS);
  let seconds = 0;
  let rotations = 0;
  let keySwitches = 0;
  for (const chunk of sample) {
    const r = baseline.classifyChunk(chunk);
    seconds += r.seconds;
    rotations += r.rotations;
    keySwitches += r.keySwitches;
  }
  return {
    chunks: sample.length,
    secondsPerChunk: round(seconds / sample.length, 2),
    chunksPerSecond: round(sample.length / seconds, 4),
    rotationsPerChunk: rotations / sample.length,
    keySwitchesPerChunk: keySwitches / sample.length,
  };
}

async function calibrate(): Promise<OpCosts> {
  const seal = await loadSeal();
  using ckks = createCkksContext(seal, DEFAULT_CKKS_PRESET);
  return calibrateOpCosts(seal, ckks);
}

export async function runHeBench() {
  const dataDir = option('data', NEU_DIR);
  const workers = Number(option('workers', String(availableParallelism())));
  const modelFile = path.resolve(option('model', SHIPPED_MODEL));
  const compare = option('compare', '')
    .split(',')
    .filter(Boolean)
    .map((f) => path.resolve(f));
  const scratch = await mkdtemp(path.join(tmpdir(), 'sealsight-he-bench-'));
  try {
    log('calibrating the cost model (each CKKS operation, per level)');
    const costs = await calibrate();
    const common = { dataDir, workers, costs, scratch };
    const models = [];
    models.push(await measureModel(path.basename(modelFile, '.json'), modelFile, common));
    for (const file of compare)
      models.push(await measureModel(path.basename(file, '.json'), file, common));
    let paper = null;
    if (!process.argv.includes('--no-paper')) {
      const file = await paperModelFile(dataDir, scratch);
      const row = await measureModel("paper's net (random weights)", file, common);
      log(`TenSEAL-style baseline on ${BASELINE_CHUNKS} chunks of the paper's net`);
      const baseline = await tensealBaseline(file, dataDir);
      const lanes = row.phases.lanesFull.chunksPerSecond;
      paper = {
        ...row,
        file: null,
        baseline,
        speedupOverBaseline: round(lanes / baseline.chunksPerSecond, 1),
      };
    }
    const [first] = models;
    const result = {
      benchmark: 'he',
      machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version },
      preset: DEFAULT_CKKS_PRESET.id,
      workers,
      data: dataDir,
      opCostsMs: costs,
      targets: {
        blocksSecondsPerImage: 1.5,
        lanesChunksPerSecond: 60,
        lanesPeakRssMB: 2048,
        met: first && {
          blocks: first.summary.blocksSecondsPerImage.sixteenImages <= 1.5,
          lanes: first.summary.lanesChunksPerSecond >= 60,
          memory: first.summary.lanesPeakRssMB <= 2048,
        },
      },
      ratiosToFirst: models.slice(1).map((m) => ({
        model: m.label,
        blocksSpeedup: round(
          first!.summary.blocksSecondsPerImage.sixteenImages /
            m.summary.blocksSecondsPerImage.sixteenImages,
          2,
        ),
        lanesSpeedup: round(
          m.summary.lanesChunksPerSecond / first!.summary.lanesChunksPerSecond,
          2,
        ),
      })),
      models,
      paper,
    };
    const out = option('out', '') || path.join(REPO, 'docs', 'results', 'he-bench.json');
    await writeFile(out, `${JSON.stringify(result, null, 2)}\n`);
    log(`wrote ${path.relative(REPO, out)}`);
    return result;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
