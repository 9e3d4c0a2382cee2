// The evaluation farm on this machine: does a second evaluator node double throughput, and
// what does the broker cost? One vault of NEU-CLS images, the shipped model, and the same
// work four times, one run after another (`all`: every image is classified again each time):
// local evaluation on 2 threads, local on 1 thread, the farm with one evaluator process
// (concurrency 1), and with two. Each farm run gets a fresh redis-server of its own (so each
// uploads the key set and the weights once, like a first classify) and fresh node processes
// (so no node starts with a warm cache). Every participant talks to the broker through a
// byte-counting proxy of its own, both directions, so the bytes moved are measured on the
// wire — key holder and each node apart — rather than estimated.
//
// Broker overhead is given two ways: (key holder's + nodes' broker seconds) / nodes'
// evaluation seconds, and 1 − (one node's images/s ÷ local 1-thread images/s). Farm results
// must equal local ones (same class for every image).
//
// `npm run bench -- farm [--layout lanes|blocks] [--images N] [--runs all|farm] [--vault DIR] [--data DIR]
//  [--out FILE] [--json]`. Lanes default to the images that fill exactly two lane batches
// (2 batches × 3 ensemble members = 6 jobs: balanced over 2 nodes; one batch would be 3
// jobs over 2 nodes, at best 1.5×); blocks default to 32 images (8 jobs of 4). The JSON goes
// to docs/results/farm-<layout>-<N>.json.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { classifyVault, loadModel } from '../src-main/engine/index.ts';
import type { ClassifyReport } from '../src-main/engine/index.ts';
import type { UnlockedVault } from '../src-main/engine/vault/vault.ts';
import type { LoadedModel } from '../src-main/engine/sealed/model/model-file.ts';
import { FarmClient, farmEvaluation } from '../src-main/engine/farm/index.ts';
import { encodeWeights } from '../src-main/engine/farm/farm-wire.ts';
import { ckksPresetById } from '../src-main/engine/sealed/ckks/ckks-presets.ts';
import {
  planPackedEnsemble,
  packedCnnRotationSteps,
} from '../src-main/engine/sealed/layouts/blocks/packed-cnn-plan.ts';
import { scoreScaleFor } from '../src-main/engine/sealed/ckks/he-safety.ts';
import { LANE_PACKING_ID } from '../src-main/engine/sealed/layouts/layout.ts';
import type { Layout } from '../src-main/engine/sealed/layouts/layout.ts';
import { startRedisServer } from '../test/helpers/redis-server.ts';
import { startNode, type TestNode } from '../test/helpers/evaluator-nodes.ts';
import { startCountingProxy } from '../test/helpers/broker-proxy.ts';
import type { CountingProxy } from '../test/helpers/broker-proxy.ts';
import { buildOrOpenVault } from './farm-bench-vault.ts';
import { processCpuSeconds, redisInfo, redisVersion } from './process-metrics.ts';
import { NEU_DIR, option } from './bench-options.ts';

const REPO = fileURLToPath(new URL('../', import.meta.url));
const SHIPPED_MODEL = path.join(REPO, 'assets', 'models', 'neu-chunk-cnn.json');
const GROUP_SIZE = 4;
/** The product's default lock (evaluator-node.ts); the test helper's 4 s is for kill tests. */
const LOCK_SECONDS = 20;

export async function runFarmBench() {
  const layout = option('layout', 'lanes') as Layout;
  if (layout !== 'blocks' && layout !== 'lanes')
    throw new Error(`--layout must be blocks or lanes, got ${layout}`);
  const log = (line: string) => process.stderr.write(`bench farm: ${line}\n`);
  const model = await loadModel(SHIPPED_MODEL);
  const scratch = await mkdtemp(path.join(tmpdir(), 'sealsight-farm-bench-'));
  const given = option('vault', '');
  const vaultDir = given || path.join(scratch, 'vault');
  try {
    const vault = await buildOrOpenVault(vaultDir, layout, scratch, log);
    let result;
    try {
      result = await measure(vault, model, layout, log);
    } finally {
      vault.close();
    }
    const file =
      option('out', '') ||
      path.join(REPO, 'docs', 'results', `farm-${result.layout}-${result.images}.json`);
    await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
    log(`wrote ${path.relative(REPO, file)}`);
    return result;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function measure(vault: UnlockedVault, model: LoadedModel, layout: Layout, log: Log) {
  const rows = vault.catalogue.read.images.list();
  const images = rows.length;
  const laneRows = rows.filter((r) => r.packingId === LANE_PACKING_ID).length;
  const batches = vault.catalogue.read.laneBatches.storedBytes().batches;
  const members = Math.max(1, model.weights.architecture.members ?? 1);
  const jobs =
    laneRows > 0 && laneRows === images ? batches * members : Math.ceil(images / GROUP_SIZE);
  log(`${images} images (${laneRows} in ${batches} lane batches): ${jobs} farm jobs`);

  // Block images need the Galois keys, generated once per vault: made here, before any
  // timed run, so no run pays for them.
  if (laneRows < images) {
    const preset = ckksPresetById(vault.currentKeyset().evaluation.presetId);
    const plans = planPackedEnsemble(model.weights, preset.polyModulusDegree / 2, {
      scoreScale: scoreScaleFor(model.file.activationRanges, preset),
    });
    await vault.ensureGaloisKeys(packedCnnRotationSteps(plans));
  }
  const { relinKeys, galoisKeys } = vault.currentKeyset().evaluation;
  const oneOffBytes = {
    relinKeys: relinKeys.byteLength,
    galoisKeys: laneRows < images ? (galoisKeys?.byteLength ?? 0) : 0,
    weights: encodeWeights(model.weights).byteLength,
  };

  // `--runs farm` leaves out the local runs (the ratio and overhead by broker seconds
  // need only the farm runs; the overhead by throughput needs local1): a lanes run is
  // ~25 min shorter.
  const withLocal = option('runs', 'all') !== 'farm';
  const localRuns = withLocal
    ? {
        local2: await localRun(vault, model, 2, log),
        local1: await localRun(vault, model, 1, log),
      }
    : null;
  const { report: farm1Report, ...farm1 } = await farmRun(vault, model, 1, log);
  const { report: farm2Report, ...farm2 } = await farmRun(vault, model, 2, log);
  const reference = localRuns?.local2.report ?? farm1Report;
  const local2 = localRuns && withoutReport(localRuns.local2);
  const local1 = localRuns && withoutReport(localRuns.local1);
  const chunks = reference.classified.reduce((t, c) => t + c.chunksUsed, 0);

  const ips = (run: { imagesPerSecond: number }) => run.imagesPerSecond;
  const oneOffTotal = oneOffBytes.relinKeys + oneOffBytes.galoisKeys + oneOffBytes.weights;
  const bytesPerImage = (run: Omit<FarmRun, 'report'>) => {
    const total = run.wire.total;
    // Key set + weights: uploaded once, fetched once by each node that ran a job.
    const oneOff = oneOffTotal * (1 + Object.keys(run.traffic.byNode).length);
    return {
      total: Math.round(total / images),
      keyHolder: Math.round((run.wire.keyHolder.up + run.wire.keyHolder.down) / images),
      nodes: Math.round(
        Object.values(run.wire.nodes).reduce((t, n) => t + n.up + n.down, 0) / images,
      ),
      withoutKeysAndWeights: Math.round(Math.max(0, total - oneOff) / images),
    };
  };
  const overheadByTime = (run: Omit<FarmRun, 'report'>) =>
    round4((run.traffic.brokerSeconds + run.traffic.nodeBrokerSeconds) / run.traffic.nodeSeconds);
  const bestRatio = jobs / Math.ceil(jobs / 2);

  return {
    benchmark: 'farm',
    layout,
    model: path.relative(REPO, SHIPPED_MODEL),
    modelId: model.id,
    members,
    data: option('data', NEU_DIR),
    machine: {
      cpus: cpus().length,
      model: cpus()[0]?.model ?? 'unknown',
      node: process.version,
      redis: redisVersion(),
    },
    images,
    laneBatches: batches,
    featureChunks: chunks,
    jobs,
    groupSize: layout === 'blocks' ? GROUP_SIZE : undefined,
    balance: {
      note: 'equal jobs over 2 nodes: the two-node run can be at most jobs / ceil(jobs / 2) times the one-node run',
      bestTwoOverOne: round4(bestRatio),
    },
    oneOffBlobBytes: oneOffBytes,
    runs: { ...(local2 && local1 ? { local2, local1 } : {}), farm1, farm2 },
    imagesPerSecond: {
      local2: local2 && ips(local2),
      local1: local1 && ips(local1),
      farm1: ips(farm1),
      farm2: ips(farm2),
    },
    twoOverOne: round4(ips(farm2) / ips(farm1)),
    bytesPerImage: { farm1: bytesPerImage(farm1), farm2: bytesPerImage(farm2) },
    brokerOverhead: {
      byBrokerSeconds: { farm1: overheadByTime(farm1), farm2: overheadByTime(farm2) },
      byThroughput: local1 && round4(1 - ips(farm1) / ips(local1)),
      note:
        'byBrokerSeconds = (key holder broker seconds + node broker seconds) / node evaluation seconds; ' +
        "the key holder's broker seconds are summed over its concurrent calls. " +
        'byThroughput = 1 − one-node images/s ÷ local 1-thread images/s (same process count on the same cores, ' +
        "so it also holds the key holder's and redis-server's CPU competing with the node)",
    },
    firstResultSeconds: {
      local2: local2?.firstResultSeconds ?? null,
      local1: local1?.firstResultSeconds ?? null,
      farm1: farm1.firstResultSeconds,
      farm2: farm2.firstResultSeconds,
    },
    /** Against local2's results, or farm1's when the local runs were left out. */
    sameAsLocal: {
      reference: localRuns ? 'local2' : 'farm1',
      local1: localRuns && compare(reference, localRuns.local1.report),
      farm1: compare(reference, farm1Report),
      farm2: compare(reference, farm2Report),
    },
    notes: {
      keyHolderProcessCpuSeconds:
        "CPU of the bench's process: in local runs it holds the evaluation threads, in farm runs only the key holder (read, MAC checks, hashing, uploads, decryption) and the byte-counting proxies",
      wire: 'bytes on the wire through each participant’s proxy, both directions (RESP framing included); redisInput/redisOutput are redis-server’s own INFO counters over the run',
    },
    targets: { twoOverOne: 1.8, brokerOverheadMax: 0.05 },
  };
}

type Log = (line: string) => void;

function withoutReport<T extends { report: unknown }>(run: T): Omit<T, 'report'> {
  const rest: Partial<T> = { ...run };
  delete rest.report;
  return rest as Omit<T, 'report'>;
}

interface Timed {
  report: ClassifyReport;
  seconds: number;
  imagesPerSecond: number;
  firstResultSeconds: number | null;
  failed: number;
  keyHolderProcessCpuSeconds: number;
}

type FarmRun = Timed & {
  nodes: number;
  traffic: FarmClient['traffic'];
  wire: {
    total: number;
    keyHolder: { up: number; down: number };
    nodes: Record<string, { up: number; down: number }>;
    /** What redis-server itself counted (INFO stats), all clients. */
    redisInput: number;
    redisOutput: number;
  };
  nodeCpuSeconds: Record<string, number>;
  redisCpuSeconds: number;
};

async function timedClassify(
  what: string,
  run: (onProgress: (p: { done: number; total: number }) => void) => Promise<ClassifyReport>,
  log: Log,
): Promise<Timed> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  let first: number | null = null;
  let lastLog = 0;
  const report = await run(({ done, total }) => {
    first ??= (performance.now() - started) / 1000;
    if (done - lastLog >= Math.max(1, Math.floor(total / 10)) || done === total) {
      lastLog = done;
      log(`${what}: ${done}/${total}`);
    }
  });
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  if (report.failed.length > 0)
    log(`${what}: ${report.failed.length} failed: ${report.failed[0]!.reason}`);
  log(`${what}: ${report.classified.length} images in ${seconds.toFixed(1)} s`);
  return {
    report,
    seconds: round2(seconds),
    imagesPerSecond: round4(report.classified.length / seconds),
    firstResultSeconds: first === null ? null : round2(first),
    failed: report.failed.length,
    keyHolderProcessCpuSeconds: round2((used.user + used.system) / 1e6),
  };
}

function localRun(
  vault: UnlockedVault,
  model: LoadedModel,
  workers: number,
  log: Log,
): Promise<Timed> {
  return timedClassify(
    `local, ${workers} thread(s)`,
    (onProgress) => classifyVault(vault, { model, workers, all: true, onProgress }),
    log,
  );
}

async function farmRun(
  vault: UnlockedVault,
  model: LoadedModel,
  nodeCount: number,
  log: Log,
): Promise<FarmRun> {
  const server = await startRedisServer({ password: true });
  const target = { host: '127.0.0.1', port: server.port };
  const via = (proxy: CountingProxy) => server.url.replace(`:${server.port}`, `:${proxy.port}`);
  const direct = new Redis(server.url);
  const proxies: CountingProxy[] = [];
  const nodes: TestNode[] = [];
  try {
    const keyHolderProxy = await startCountingProxy(target);
    proxies.push(keyHolderProxy);
    const nodeProxies = new Map<string, CountingProxy>();
    for (let i = 0; i < nodeCount; i++) {
      const name = `node-${String.fromCharCode(97 + i)}`;
      const proxy = await startCountingProxy(target);
      proxies.push(proxy);
      nodeProxies.set(name, proxy);
    }
    nodes.push(
      ...(await Promise.all(
        [...nodeProxies].map(([name, proxy]) =>
          startNode(via(proxy), name, { concurrency: 1, lockSeconds: LOCK_SECONDS }),
        ),
      )),
    );
    // What the nodes used starting up (SEAL, the broker connection) is not the run's.
    const nodeCpuBefore = new Map(nodes.map((n) => [n.name, processCpuSeconds(n.child.pid)]));
    for (const proxy of proxies) proxy.reset();
    const before = await redisInfo(direct);
    const client = await FarmClient.connect({ broker: via(keyHolderProxy) });
    const backend = farmEvaluation(client, { groupSize: GROUP_SIZE });
    let timed: Timed;
    try {
      timed = await timedClassify(
        `farm, ${nodeCount} node(s)`,
        (onProgress) => classifyVault(vault, { model, evaluation: backend, all: true, onProgress }),
        log,
      );
    } finally {
      backend.stop();
      await client.close();
    }
    const after = await redisInfo(direct);
    const nodeCpuSeconds = Object.fromEntries(
      nodes.map((n) => [
        n.name,
        round2(processCpuSeconds(n.child.pid) - (nodeCpuBefore.get(n.name) ?? 0)),
      ]),
    );
    const wireNodes = Object.fromEntries(
      [...nodeProxies].map(([name, proxy]) => [name, { up: proxy.up(), down: proxy.down() }]),
    );
    const keyHolder = { up: keyHolderProxy.up(), down: keyHolderProxy.down() };
    const total = proxies.reduce((t, p) => t + p.up() + p.down(), 0);
    log(
      `farm, ${nodeCount} node(s): ${(total / 2 ** 20).toFixed(1)} MiB through the broker; jobs by node ${JSON.stringify(client.traffic.byNode)}`,
    );
    return {
      ...timed,
      nodes: nodeCount,
      traffic: {
        ...client.traffic,
        brokerSeconds: round2(client.traffic.brokerSeconds),
        nodeSeconds: round2(client.traffic.nodeSeconds),
        nodeBrokerSeconds: round2(client.traffic.nodeBrokerSeconds),
      },
      wire: {
        total,
        keyHolder,
        nodes: wireNodes,
        redisInput: after.input - before.input,
        redisOutput: after.output - before.output,
      },
      nodeCpuSeconds,
      redisCpuSeconds: round2(after.cpu - before.cpu),
    };
  } finally {
    await Promise.all(nodes.map((n) => n.stop('SIGTERM')));
    direct.disconnect();
    await Promise.all(proxies.map((p) => p.close()));
    await server.stop();
  }
}

/** Class and scores of every image against the reference run's. */
function compare(reference: ClassifyReport, other: ClassifyReport) {
  const want = new Map(reference.classified.map((c) => [c.id, c]));
  let sameClass = 0;
  let maxScoreDifference = 0;
  for (const got of other.classified) {
    const ref = want.get(got.id);
    if (!ref) continue;
    if (ref.classIndex === got.classIndex) sameClass++;
    got.scores.forEach(
      (s, c) => (maxScoreDifference = Math.max(maxScoreDifference, Math.abs(s - ref.scores[c]!))),
    );
  }
  return {
    images: other.classified.length,
    sameClass,
    equal: sameClass === reference.classified.length && other.classified.length === sameClass,
    maxScoreDifference,
  };
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

function round4(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
