// Measures the feature-chunk selection over NEU-CLS and the pipeline's speed:
//
//   npm run bench -- features [--data DIR] [--threshold T]
//
// DIR defaults to ../shared/datasets/neu-cls (one folder per class).
// Throughput is processImage alone (files are read beforehand), one image at a
// time, with libvips limited to one thread (sharp.concurrency(1)).

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { DEFAULT_FEATURE_THRESHOLD } from '../src-shared/domain/geometry.ts';
import { decodeImage } from '../src-main/engine/image/decode.ts';
import { hasImageExtension } from '../src-main/engine/image/formats.ts';
import { processImage } from '../src-main/engine/image/pipeline.ts';
import type { ProcessedImage } from '../src-main/engine/image/pipeline.ts';
import { toGrayscale112 } from '../src-main/engine/image/preprocess.ts';
import { NEU_DIR, option } from './bench-options.ts';

type Sample = { className: string; file: string; bytes: Uint8Array };

function loadDataset(dir: string): Sample[] {
  const samples: Sample[] = [];
  for (const className of readdirSync(dir).sort()) {
    const classDir = join(dir, className);
    for (const file of readdirSync(classDir).filter(hasImageExtension).sort()) {
      samples.push({ className, file, bytes: new Uint8Array(readFileSync(join(classDir, file))) });
    }
  }
  return samples;
}

function quantile(sorted: Float64Array, q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

const round = (x: number, digits = 2) => Number(x.toFixed(digits));

function distribution(values: number[]) {
  const sorted = Float64Array.from(values).sort();
  return {
    count: sorted.length,
    min: round(sorted[0]),
    p05: round(quantile(sorted, 0.05)),
    p25: round(quantile(sorted, 0.25)),
    median: round(quantile(sorted, 0.5)),
    p75: round(quantile(sorted, 0.75)),
    p95: round(quantile(sorted, 0.95)),
    max: round(sorted[sorted.length - 1]),
    mean: round(values.reduce((a, b) => a + b, 0) / values.length),
  };
}

/** Runs fn over every sample once (sequentially) and returns images per second. */
async function rate<T>(items: T[], fn: (item: T) => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  for (const item of items) await fn(item);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return round(items.length / seconds, 1);
}

export async function runFeaturesBench(): Promise<unknown> {
  const datasetDir = option('data', NEU_DIR);
  const threshold = Number(option('threshold', String(DEFAULT_FEATURE_THRESHOLD)));
  sharp.concurrency(1);
  const samples = loadDataset(datasetDir);

  const results: Array<{ className: string; result: ProcessedImage }> = [];
  for (const s of samples) {
    results.push({
      className: s.className,
      result: await processImage(s.bytes, s.file, { threshold }),
    });
  }

  const classes = [...new Set(samples.map((s) => s.className))];
  const summarise = (subset: typeof results) => {
    const chunks = subset.flatMap((r) => r.result.chunks);
    const features = chunks.filter((c) => c.isFeature).length;
    return {
      images: subset.length,
      featureChunkFraction: round(features / chunks.length, 4),
      fallbackImages: subset.filter((r) => r.result.lowGradient).length,
      // Feature fraction counting only chunks that beat the threshold themselves.
      aboveThresholdFraction: round(
        chunks.filter((c) => c.score > threshold).length / chunks.length,
        4,
      ),
      chunkScore: distribution(chunks.map((c) => c.score)),
    };
  };
  const featuresPerImage = new Array<number>(17).fill(0);
  for (const { result } of results)
    featuresPerImage[result.chunks.filter((c) => c.isFeature).length]++;

  // Throughput: a warm-up pass, then timed passes of the whole pipeline and its stages.
  await rate(samples.slice(0, 50), (s) => processImage(s.bytes, s.file, { threshold }));
  const decoded = await Promise.all(samples.map((s) => decodeImage(s.bytes, s.file)));
  const processImagePerSecond = await rate(samples, (s) =>
    processImage(s.bytes, s.file, { threshold }),
  );
  const decodePerSecond = await rate(samples, (s) => decodeImage(s.bytes, s.file));
  const grayscale112PerSecond = await rate(decoded, toGrayscale112);

  return {
    datasetDir,
    threshold,
    overall: summarise(results),
    perClass: Object.fromEntries(
      classes.map((c) => [c, summarise(results.filter((r) => r.className === c))]),
    ),
    featureChunksPerImageHistogram: Object.fromEntries(featuresPerImage.map((n, k) => [k, n])),
    throughput: {
      note: 'sequential, sharp.concurrency(1), files pre-read; images per second',
      processImagePerSecond,
      stages: { decodePerSecond, grayscale112PerSecond },
      node: process.version,
    },
  };
}
