// Server-side charts as SVG strings: a Vega-Lite spec compiled to Vega and rendered headless
// with View.toSVG() (renderer 'none': no canvas, no DOM, no network — text widths are
// estimated, which is fine for reports). Used by reports, docs and the CLI.
import type { TopLevelSpec } from 'vega-lite';

const WIDTH = 480;
const HEIGHT = 300;

async function render(spec: TopLevelSpec): Promise<string> {
  // Loaded on first use: vega + vega-lite take ~0.7 s to import, which every CLI command
  // importing the engine would otherwise pay.
  const [{ parse: parseVega, View }, { compile }] = await Promise.all([
    import('vega'),
    import('vega-lite'),
  ]);
  const vegaSpec = compile(spec).spec;
  // No loader is needed: every chart embeds its data inline, so nothing is ever fetched.
  const view = new View(parseVega(vegaSpec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

function checkFinite(values: readonly number[], what: string): void {
  const bad = values.findIndex((v) => typeof v !== 'number' || !Number.isFinite(v));
  if (bad >= 0) throw new RangeError(`${what}: value ${bad} is not a finite number`);
}

function checkNames(names: readonly string[], what: string): void {
  if (names.length === 0) throw new RangeError(`${what} must not be empty`);
  if (new Set(names).size !== names.length) throw new RangeError(`${what} must be distinct`);
}

const baseConfig = {
  background: 'white',
  config: { font: 'sans-serif', axis: { labelFontSize: 11, titleFontSize: 12 } },
} as const;

export interface BarChartOptions {
  title: string;
  categories: string[];
  series: { name: string; values: number[] }[];
  yLabel: string;
  yDomain?: [number, number];
}

/** Grouped bars: one group per category, one bar per series (in the given orders). */
export async function barChartSvg(o: BarChartOptions): Promise<string> {
  checkNames(o.categories, 'bar chart categories');
  checkNames(
    o.series.map((s) => s.name),
    'bar chart series names',
  );
  const rows = o.series.flatMap((s) => {
    if (s.values.length !== o.categories.length) {
      throw new RangeError(
        `bar chart series "${s.name}" has ${s.values.length} values for ${o.categories.length} categories`,
      );
    }
    checkFinite(s.values, `bar chart series "${s.name}"`);
    return s.values.map((value, i) => ({ category: o.categories[i], series: s.name, value }));
  });
  const seriesNames = o.series.map((s) => s.name);
  return await render({
    ...baseConfig,
    title: o.title,
    width: WIDTH,
    height: HEIGHT,
    data: { values: rows },
    mark: { type: 'bar' },
    encoding: {
      x: { field: 'category', type: 'nominal', sort: o.categories, title: null },
      y: {
        field: 'value',
        type: 'quantitative',
        title: o.yLabel,
        stack: null,
        ...(o.yDomain ? { scale: { domain: o.yDomain, clamp: true } } : {}),
      },
      ...(o.series.length > 1
        ? {
            xOffset: { field: 'series', type: 'nominal', sort: seriesNames },
            color: { field: 'series', type: 'nominal', sort: seriesNames, title: null },
          }
        : {}),
    },
  });
}

export interface HeatmapOptions {
  title: string;
  rows: string[];
  cols: string[];
  values: number[][];
  rowLabel: string;
  colLabel: string;
}

/** A matrix (e.g. a confusion matrix: rows = true class, cols = predicted) with counts in cells. */
export async function heatmapSvg(o: HeatmapOptions): Promise<string> {
  checkNames(o.rows, 'heatmap rows');
  checkNames(o.cols, 'heatmap columns');
  if (o.values.length !== o.rows.length) {
    throw new RangeError(`heatmap has ${o.values.length} value rows for ${o.rows.length} rows`);
  }
  const cells = o.values.flatMap((line, r) => {
    if (line.length !== o.cols.length) {
      throw new RangeError(
        `heatmap row ${r} has ${line.length} values for ${o.cols.length} columns`,
      );
    }
    checkFinite(line, `heatmap row ${r}`);
    return line.map((value, c) => ({ row: o.rows[r], col: o.cols[c], value }));
  });
  const max = Math.max(...cells.map((c) => c.value));
  const cell = Math.max(18, Math.min(60, Math.floor(420 / Math.max(o.rows.length, o.cols.length))));
  const position = {
    x: { field: 'col', type: 'nominal', sort: o.cols, title: o.colLabel },
    y: { field: 'row', type: 'nominal', sort: o.rows, title: o.rowLabel },
  } as const;
  return await render({
    ...baseConfig,
    title: o.title,
    width: cell * o.cols.length,
    height: cell * o.rows.length,
    data: { values: cells },
    layer: [
      {
        mark: { type: 'rect' },
        encoding: {
          ...position,
          color: { field: 'value', type: 'quantitative', scale: { scheme: 'blues' }, title: null },
        },
      },
      {
        mark: { type: 'text', fontSize: 11 },
        encoding: {
          ...position,
          text: { field: 'value', type: 'quantitative' },
          // Dark cells get white text so counts stay readable.
          color: {
            condition: { test: `datum.value > ${max / 2}`, value: 'white' },
            value: 'black',
          },
        },
      },
    ],
  });
}

export interface HistogramOptions {
  title: string;
  series: { name: string; counts: number[] }[];
  binStart: number;
  binWidth: number;
  xLabel: string;
  yLabel: string;
}

/**
 * Pre-binned histograms (bin k covers [binStart + k·binWidth, binStart + (k+1)·binWidth)).
 * Several series are overlaid semi-transparently, not stacked.
 */
export async function histogramSvg(o: HistogramOptions): Promise<string> {
  checkNames(
    o.series.map((s) => s.name),
    'histogram series names',
  );
  if (!Number.isFinite(o.binStart) || !(o.binWidth > 0) || !Number.isFinite(o.binWidth)) {
    throw new RangeError('histogram binStart must be finite and binWidth > 0');
  }
  const rows = o.series.flatMap((s) => {
    checkFinite(s.counts, `histogram series "${s.name}"`);
    return s.counts.map((count, k) => ({
      series: s.name,
      start: o.binStart + k * o.binWidth,
      end: o.binStart + (k + 1) * o.binWidth,
      count,
    }));
  });
  const seriesNames = o.series.map((s) => s.name);
  return await render({
    ...baseConfig,
    title: o.title,
    width: WIDTH,
    height: HEIGHT,
    data: { values: rows },
    mark: { type: 'rect', opacity: o.series.length > 1 ? 0.55 : 1 },
    encoding: {
      x: { field: 'start', type: 'quantitative', title: o.xLabel, scale: { zero: false } },
      x2: { field: 'end' },
      y: { field: 'count', type: 'quantitative', title: o.yLabel, stack: null },
      ...(o.series.length > 1
        ? { color: { field: 'series', type: 'nominal', sort: seriesNames, title: null } }
        : {}),
    },
  });
}

export interface LineChartOptions {
  title: string;
  series: { name: string; x: number[]; y: number[] }[];
  xLabel: string;
  yLabel: string;
}

/** One line (with points) per series, drawn in x order. */
export async function lineChartSvg(o: LineChartOptions): Promise<string> {
  checkNames(
    o.series.map((s) => s.name),
    'line chart series names',
  );
  const rows = o.series.flatMap((s) => {
    if (s.x.length !== s.y.length) {
      throw new RangeError(
        `line chart series "${s.name}" has ${s.x.length} x values and ${s.y.length} y values`,
      );
    }
    checkFinite(s.x, `line chart series "${s.name}" x`);
    checkFinite(s.y, `line chart series "${s.name}" y`);
    return s.x.map((x, i) => ({ series: s.name, x, y: s.y[i] }));
  });
  const seriesNames = o.series.map((s) => s.name);
  return await render({
    ...baseConfig,
    title: o.title,
    width: WIDTH,
    height: HEIGHT,
    data: { values: rows },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: o.xLabel, scale: { zero: false } },
      y: { field: 'y', type: 'quantitative', title: o.yLabel, scale: { zero: false } },
      color: { field: 'series', type: 'nominal', sort: seriesNames, title: null },
    },
  });
}
