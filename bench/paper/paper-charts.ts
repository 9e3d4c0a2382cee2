// SVG charts for the paper report (Fig. 9 per-class accuracy, Fig. 10 confusion
// matrices, the threshold sweep and the per-class feature-chunk share).
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { barChartSvg, heatmapSvg, lineChartSvg } from '../../src-main/engine/report/charts.ts';
import type { PaperResult } from './paper-bench.ts';

type ChartInput = Omit<PaperResult, 'seconds'> & { seconds: number };

export async function writeCharts(dir: string, r: ChartInput): Promise<string[]> {
  const written: string[] = [];
  const save = async (name: string, svg: string) => {
    const file = path.join(dir, name);
    await writeFile(file, svg);
    written.push(file);
  };
  const v = r.validation;
  const recall = (m: { perClass: Array<{ recall: number }> }) =>
    m.perClass.map((c) => Number((100 * c.recall).toFixed(1)));
  await save(
    'fig9-per-class-accuracy.svg',
    await barChartSvg({
      title: `Per-class accuracy on the validation split (${r.validationImages} images)`,
      categories: r.classes,
      series: [
        ...(v.baseline ? [{ name: 'ReLU baseline (plaintext)', values: recall(v.baseline) }] : []),
        { name: 'x² chunk model, plaintext', values: recall(v.plaintext) },
        { name: 'x² chunk model, CKKS-encrypted', values: recall(v.encrypted) },
      ],
      yLabel: 'accuracy (%)',
      yDomain: [50, 100],
    }),
  );
  for (const [name, metrics, title] of [
    ['fig10-confusion-plaintext.svg', v.plaintext, 'plaintext chunk model'],
    ['fig10-confusion-encrypted.svg', v.encrypted, 'CKKS-encrypted chunk model'],
  ] as const) {
    await save(
      name,
      await heatmapSvg({
        title: `Confusion matrix, ${title} (validation split)`,
        rows: r.classes,
        cols: r.classes,
        values: metrics.confusion,
        rowLabel: 'true class',
        colLabel: 'predicted class',
      }),
    );
  }
  await save(
    'threshold-sweep.svg',
    await lineChartSvg({
      title: 'Threshold vs accuracy and CKKS-encrypted share (validation split)',
      series: [
        {
          name: 'image accuracy (%)',
          x: r.thresholdSweep.map((p) => p.threshold),
          y: r.thresholdSweep.map((p) => 100 * p.accuracy),
        },
        {
          name: 'chunks CKKS-encrypted (%)',
          x: r.thresholdSweep.map((p) => p.threshold),
          y: r.thresholdSweep.map((p) => 100 * p.featureFraction),
        },
      ],
      xLabel: 'Sobel threshold',
      yLabel: '%',
    }),
  );
  await save(
    'feature-share-per-class.svg',
    await barChartSvg({
      title: `Share of chunks selected as feature chunks (threshold ${r.featureFractionPerClassAtThreshold.threshold}, all ${r.images} images)`,
      categories: r.classes,
      series: [
        {
          name: 'feature chunks',
          values: r.classes.map((c) =>
            Number((100 * r.featureFractionPerClassAtThreshold.perClass[c]!).toFixed(1)),
          ),
        },
      ],
      yLabel: 'share of the 16 chunks (%)',
      yDomain: [0, 100],
    }),
  );
  return written;
}
