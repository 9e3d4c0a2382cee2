import { describe, expect, it } from 'vitest';
import { barChartSvg, heatmapSvg, histogramSvg, lineChartSvg } from './charts.ts';

/** Marks of one role carry an aria-label listing their datum; return [label, d] pairs. */
function markPaths(svg: string, role: string): { label: string; d: string }[] {
  const re = new RegExp(
    `<path aria-label="([^"]*)" role="graphics-symbol" aria-roledescription="${role}" d="([^"]*)"`,
    'g',
  );
  return [...svg.matchAll(re)].map((m) => ({ label: m[1]!, d: m[2]! }));
}

/** Height of a vega rect path "Mx,yh{w}v{h}h-{w}Z". */
function rectHeight(d: string): number {
  const m = /^M[-\d.]+,[-\d.]+h[-\d.]+v([-\d.]+)h/.exec(d);
  if (!m) throw new Error(`not a rect path: ${d}`);
  return Number(m[1]);
}

function expectValidSvg(svg: string): void {
  expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
  expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  expect(svg).toMatch(/width="\d+(\.\d+)?" height="\d+(\.\d+)?"/);
  // Tags nest properly (a small well-formedness check; no XML parser among our dependencies).
  const stack: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z][\w:-]*)[^>]*?(\/?)>/g)) {
    const [, closing, name, selfClosing] = m;
    if (selfClosing) continue;
    if (closing) expect(stack.pop()).toBe(name);
    else stack.push(name!);
  }
  expect(stack).toEqual([]);
  expect(svg).not.toMatch(/NaN|undefined/);
}

describe('barChartSvg', () => {
  it('renders titles and categories, bar heights proportional to values', async () => {
    const svg = await barChartSvg({
      title: 'Accuracy & <conditions>',
      categories: ['plaintext', 'arnold', 'xor'],
      series: [
        { name: 'MNIST', values: [0.99, 0.5, 0.25] },
        { name: 'NEU', values: [0.8, 0.4, 0.2] },
      ],
      yLabel: 'accuracy',
      yDomain: [0, 1],
    });
    expectValidSvg(svg);
    expect(svg).toContain('Accuracy &amp; &lt;conditions&gt;'); // escaped, not raw markup
    for (const label of ['plaintext', 'arnold', 'xor', 'MNIST', 'NEU', 'accuracy']) {
      expect(svg).toContain(`>${label}</text>`);
    }
    const bars = markPaths(svg, 'bar');
    expect(bars).toHaveLength(6);
    const height = (category: string, series: string) =>
      rectHeight(
        bars.find((b) => b.label.includes(`category: ${category};`) && b.label.includes(series))!.d,
      );
    // Domain [0, 1] over a 300 px plot: heights are value × 300.
    expect(height('plaintext', 'MNIST')).toBeCloseTo(297, 0);
    expect(height('arnold', 'MNIST') / height('xor', 'MNIST')).toBeCloseTo(2, 2);
    expect(height('plaintext', 'NEU') / height('xor', 'NEU')).toBeCloseTo(4, 2);
  });

  it('refuses mismatched series with a clear message', async () => {
    await expect(
      barChartSvg({
        title: 't',
        categories: ['a', 'b'],
        series: [{ name: 's', values: [1] }],
        yLabel: 'y',
      }),
    ).rejects.toThrow(/series "s" has 1 values for 2 categories/);
    await expect(
      barChartSvg({
        title: 't',
        categories: ['a'],
        series: [{ name: 's', values: [NaN] }],
        yLabel: 'y',
      }),
    ).rejects.toThrow(/not a finite number/);
  });
});

describe('heatmapSvg', () => {
  it('shows every count in its cell, labels rows and columns, darker for larger counts', async () => {
    const svg = await heatmapSvg({
      title: 'Confusion matrix',
      rows: ['crazing', 'inclusion'],
      cols: ['crazing', 'inclusion'],
      values: [
        [47, 3],
        [0, 12],
      ],
      rowLabel: 'true class',
      colLabel: 'predicted class',
    });
    expectValidSvg(svg);
    for (const t of ['Confusion matrix', 'true class', 'predicted class', 'crazing', 'inclusion']) {
      expect(svg).toContain(`>${t}</text>`);
    }
    const counts = [...svg.matchAll(/aria-roledescription="text mark"[^>]*>(\d+)<\/text>/g)].map(
      (m) => Number(m[1]),
    );
    expect(counts.sort((a, b) => a - b)).toEqual([0, 3, 12, 47]);
    const cells = markPaths(svg, 'rect mark');
    expect(cells).toHaveLength(4);
    const fillOf = (value: number) => {
      const re = new RegExp(
        `value: ${value}" role="graphics-symbol"[^>]*fill="rgb\\(([\\d, ]+)\\)"`,
      );
      return re.exec(svg)![1]!;
    };
    const luminance = (rgb: string) => rgb.split(',').reduce((s, v) => s + Number(v), 0);
    expect(luminance(fillOf(47))).toBeLessThan(luminance(fillOf(3)));
  });

  it('refuses a ragged matrix', async () => {
    await expect(
      heatmapSvg({
        title: 't',
        rows: ['a', 'b'],
        cols: ['x'],
        values: [[1], [1, 2]],
        rowLabel: 'r',
        colLabel: 'c',
      }),
    ).rejects.toThrow(/row 1 has 2 values for 1 columns/);
  });
});

describe('histogramSvg', () => {
  it('draws one bin per count with heights proportional to counts', async () => {
    const svg = await histogramSvg({
      title: 'Pixel histogram',
      series: [{ name: 'plain', counts: [10, 40, 20, 0] }],
      binStart: 0,
      binWidth: 64,
      xLabel: 'pixel value',
      yLabel: 'pixels',
    });
    expectValidSvg(svg);
    expect(svg).toContain('>Pixel histogram</text>');
    expect(svg).toContain('>pixel value</text>');
    const bins = markPaths(svg, 'rect mark');
    expect(bins).toHaveLength(4);
    const h = bins.map((b) => rectHeight(b.d));
    expect(h[1]! / h[0]!).toBeCloseTo(4, 2);
    expect(h[2]! / h[0]!).toBeCloseTo(2, 2);
    expect(h[3]).toBe(0);
  });

  it('overlays several series with a legend', async () => {
    const svg = await histogramSvg({
      title: 'before / after',
      series: [
        { name: 'plaintext', counts: [5, 1] },
        { name: 'obfuscated', counts: [3, 3] },
      ],
      binStart: 0,
      binWidth: 128,
      xLabel: 'v',
      yLabel: 'n',
    });
    expect(markPaths(svg, 'rect mark')).toHaveLength(4);
    expect(svg).toContain('>plaintext</text>');
    expect(svg).toContain('>obfuscated</text>');
  });
});

describe('lineChartSvg', () => {
  it('draws one line per series through its points', async () => {
    const svg = await lineChartSvg({
      title: 'Loss per epoch',
      series: [
        { name: 'train', x: [1, 2, 3], y: [1.0, 0.5, 0.25] },
        { name: 'validation', x: [1, 2, 3], y: [1.2, 0.9, 0.8] },
      ],
      xLabel: 'epoch',
      yLabel: 'loss',
    });
    expectValidSvg(svg);
    for (const t of ['Loss per epoch', 'epoch', 'loss', 'train', 'validation']) {
      expect(svg).toContain(`>${t}</text>`);
    }
    const lines = [...svg.matchAll(/aria-roledescription="line mark" d="([^"]*)"/g)].map(
      (m) => m[1]!,
    );
    expect(lines).toHaveLength(2);
    // Each line has 3 vertices; the train line falls (y grows downwards in SVG).
    const ys = lines[0]!
      .split(/[ML]/)
      .filter(Boolean)
      .map((p) => Number(p.split(',')[1]));
    expect(ys).toHaveLength(3);
    expect(ys[0]!).toBeLessThan(ys[1]!);
    expect(ys[1]!).toBeLessThan(ys[2]!);
  });
});
