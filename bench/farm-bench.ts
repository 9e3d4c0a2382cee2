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
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import {
  classifyVault,
  importFolderWithLayout,
  initVault,
  loadModel,
  openVault,
} from '../src-main/engine/index.ts';
import type { ClassifyReport } from '../src-main/engine/index.ts';
import type { UnlockedVault } from '../src-main/engine/vault/vault.ts';
import type { LoadedModel } from '../src-main/engine/nn/model-file.ts';
import { FarmClient, farmEvaluation } from '../src-main/engine/farm/index.ts';
import { encodeWeights } from '../src-main/engine/farm/farm-wire.ts';
import { ckksPresetById, DEFAULT_CKKS_PRESET } from '../src-main/engine/he/ckks-presets.ts';
import {
  planPackedEnsemble,
  packedCnnRotationSteps,
} from '../src-main/engine/he/packed-cnn-plan.ts';
import { scoreScaleFor } from '../src-main/engine/he/he-safety.ts';
import { processImage } from '../src-main/engine/image/index.ts';
import { listImageRows } from '../src-main/engine/vault/image-store.ts';
import { LANE_PACKING_ID, laneStoredBytes } from '../src-main/engine/vault/lane-store.ts';
import { imagesPerClass, labelledFolder } from '../test/helpers/fixtures.ts';
import { startRedisServer } from '../test/helpers/redis-server.ts';
import { startNode, type TestNode } from '../test/helpers/evaluator-nodes.ts';
import { NEU_DIR, option } from './bench-options.ts';

const REPO = fileURLToPath(new URL('../', import.meta.url));
const SHIPPED_MODEL = path.join(REPO, 'assets', 'models', 'neu-chunk-cnn.json');
const PASSPHRASE = process.env.SEALSIGHT_PASSPHRASE ?? 'farm bench passphrase';
/** Lane batches the default lanes run fills: 6 jobs, 3 per node. */
const LANE_BATCHES = 2;
/** Greedy whole-image packing wastes < 16 lanes per cut (he-bench.ts). */
const MAX_WASTE = 15;
const BLOCK_IMAGES = 32;
const GROUP_SIZE = 4;
/** The product's default lock (evaluator-node.ts); the test helper's 4 s is for kill tests. */
const LOCK_SECONDS = 20;

type Layout = 'blocks' | 'lanes';

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
  const rows = listImageRows(vault.db);
  const images = rows.length;
  const laneRows = rows.filter((r) => r.packingId === LANE_PACKING_ID).length;
  const batches = laneStoredBytes(vault.db).batches;
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

async function buildOrOpenVault(
  vaultDir: string,
  layout: Layout,
  scratch: string,
  log: Log,
): Promise<UnlockedVault> {
  const exists = await stat(path.join(vaultDir, 'vault.json')).then(
    () => true,
    () => false,
  );
  if (exists) {
    log(`reusing the vault at ${vaultDir}`);
    return openVault(vaultDir, PASSPHRASE);
  }
  const data = option('data', NEU_DIR);
  const wanted = option('images', '');
  const picked =
    wanted === ''
      ? layout === 'lanes'
        ? await fillLaneBatches(data, LANE_BATCHES)
        : await roundRobin(data, BLOCK_IMAGES)
      : await roundRobin(data, Number(wanted));
  const folder = path.join(scratch, 'in');
  await labelledFolder(folder, picked);
  await mkdir(path.dirname(vaultDir), { recursive: true });
  await initVault(vaultDir, PASSPHRASE, { kdf: { logN: 14 } });
  const vault = await openVault(vaultDir, PASSPHRASE);
  log(`importing ${picked.length} images as ${layout}`);
  const imported = await importFolderWithLayout(vault, folder, { labelsFromFolders: true, layout });
  if (imported.report.failed.length > 0)
    throw new Error(`import failed: ${JSON.stringify(imported.report.failed[0])}`);
  log(
    `imported ${imported.report.imported} images in ${imported.report.seconds.toFixed(1)} s ` +
      `(${imported.storage.laneBatches} lane batches)`,
  );
  return vault;
}

/** `count` images, one class after another, from the first of each class on. */
async function roundRobin(data: string, count: number) {
  if (!(Number.isSafeInteger(count) && count >= 1))
    throw new Error(`--images must be a whole number ≥ 1`);
  const perClass = Math.ceil(count / 6);
  const byClass = new Map<string, Array<{ label: string; file: string }>>();
  for (const image of await imagesPerClass(data, perClass))
    byClass.set(image.label, [...(byClass.get(image.label) ?? []), image]);
  return Array.from({ length: perClass }, (_, i) =>
    [...byClass.values()].flatMap((list) => (list[i] ? [list[i]] : [])),
  )
    .flat()
    .slice(0, count);
}

/** Round-robin images whose feature chunks fill `batches` lane batches, as import cuts them. */
async function fillLaneBatches(data: string, batches: number) {
  const slots = ckksPresetById(DEFAULT_CKKS_PRESET.id).polyModulusDegree / 2;
  const budget = batches * slots - batches * MAX_WASTE;
  const out: Array<{ label: string; file: string }> = [];
  let lanes = 0;
  for (const image of await roundRobin(data, 6 * 240)) {
    const processed = await processImage(await readFile(image.file), image.file, {});
    const chunks = processed.chunks.filter((c) => c.isFeature).length;
    if (lanes + chunks > budget) break;
    lanes += chunks;
    out.push(image);
  }
  return out;
}

interface CountingProxy {
  readonly port: number;
  /** Bytes clients sent to the broker, and the broker sent back, since the last reset. */
  up(): number;
  down(): number;
  reset(): void;
  close(): Promise<void>;
}

/** A loopback TCP proxy in front of the broker that counts bytes in both directions. */
async function startCountingProxy(target: { host: string; port: number }): Promise<CountingProxy> {
  let up = 0;
  let down = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    sockets.add(client);
    sockets.add(upstream);
    client.on('data', (data) => {
      up += data.byteLength;
      if (!upstream.write(data)) client.pause();
    });
    upstream.on('drain', () => client.resume());
    upstream.on('data', (data) => {
      down += data.byteLength;
      if (!client.write(data)) upstream.pause();
    });
    client.on('drain', () => upstream.resume());
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    for (const socket of [client, upstream]) {
      socket.on('close', end);
      socket.on('error', end);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    up: () => up,
    down: () => down,
    reset: () => {
      up = 0;
      down = 0;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function redisInfo(redis: Redis): Promise<{ input: number; output: number; cpu: number }> {
  const text = await redis.info();
  const field = (name: string) =>
    Number(new RegExp(`^${name}:([0-9.]+)`, 'm').exec(text)?.[1] ?? 0);
  return {
    input: field('total_net_input_bytes'),
    output: field('total_net_output_bytes'),
    cpu: field('used_cpu_user') + field('used_cpu_sys'),
  };
}

let clockTicks: number | undefined;

/** User + system CPU seconds of a process and all its threads so far (Linux; else 0). */
function processCpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of stat (utime, stime); the slice starts at field 3.
    return (Number(fields[11]) + Number(fields[12])) / clockTicks;
  } catch {
    return 0;
  }
}

function redisVersion(): string {
  try {
    return execFileSync('redis-server', ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

function round4(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
