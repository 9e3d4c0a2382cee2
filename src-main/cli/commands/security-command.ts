// `sealsight security-report <folder>`: measures the obfuscated tier (Arnold + XOR) on the
// images of a folder — entropy, correlation, histograms, NPCR/UACI, key sensitivity and real
// chosen-plaintext attacks — under a fresh random key (or --key-file), prints the report and
// writes SVG charts. The key is never printed or written.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  EXAMPLE_COLUMNS,
  MAX_OBFUSCATION_SIZE,
  TIER_LABEL,
  analyzeObfuscationWithExamples,
  exampleGridPng,
  formatSecurityReport,
  generateObfuscationKey,
  loadSquareImages,
  securityCharts,
} from '../../engine/index.ts';
import { CliError, UsageError } from '../cli-io.ts';
import type { CommandContext, CommandResult } from '../cli-io.ts';
import { parseCommand } from './vault-commands.ts';

const DEFAULT_SIZE = 64;

function wholeNumber(raw: unknown, name: string, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw === '' || !Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(
      `--${name} must be a whole number in ${min}..${max}, got "${String(raw)}"`,
    );
  }
  return n;
}

/** 32 raw bytes, or 64 hex characters (whitespace around them ignored). Never echoes content. */
export async function readKeyFile(file: string): Promise<Uint8Array> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new CliError(
      `cannot read key file ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
  try {
    if (bytes.length === 32) return new Uint8Array(bytes);
    const text = bytes.toString('latin1').trim();
    if (/^[0-9a-fA-F]{64}$/.test(text)) return new Uint8Array(Buffer.from(text, 'hex'));
    throw new CliError(
      `key file ${file} must hold 32 raw bytes or 64 hex characters (it has ${bytes.length} bytes)`,
    );
  } finally {
    bytes.fill(0);
  }
}

export async function securityCommand(argv: string[], ctx: CommandContext): Promise<CommandResult> {
  const { values, positionals } = parseCommand(
    argv,
    {
      size: { type: 'string' },
      out: { type: 'string' },
      'key-file': { type: 'string' },
      'limit-per-folder': { type: 'string' },
      title: { type: 'string' },
      examples: { type: 'string' },
    },
    ['folder'],
  );
  const size = wholeNumber(values.size, 'size', 2, MAX_OBFUSCATION_SIZE) ?? DEFAULT_SIZE;
  const limitPerFolder = wholeNumber(values['limit-per-folder'], 'limit-per-folder', 1, 1e9);
  const folder = path.resolve(positionals[0]!);
  const title = typeof values.title === 'string' ? values.title : path.basename(folder);
  const outDir = typeof values.out === 'string' ? path.resolve(values.out) : undefined;
  // Example images are written only with --out (default 4 rows; --examples 0 for none).
  const exampleCount = outDir ? (wholeNumber(values.examples, 'examples', 0, 64) ?? 4) : 0;

  ctx.log(`security-report: ${TIER_LABEL}`);
  const key =
    typeof values['key-file'] === 'string'
      ? await readKeyFile(values['key-file'])
      : generateObfuscationKey();
  try {
    ctx.log(`loading images from ${folder} as ${size}×${size} grayscale…`);
    const loaded = await loadSquareImages(folder, size, { limitPerFolder }).catch(
      (error: Error) => {
        throw new CliError(`cannot read ${folder}: ${error.message}`);
      },
    );
    for (const f of loaded.failed) ctx.log(`could not read ${f.file}: ${f.reason}`);
    if (loaded.images.length === 0) throw new CliError(`no readable images in ${folder}`);
    ctx.log(`analysing ${loaded.images.length} images…`);
    const started = performance.now();
    const { report, examples } = analyzeObfuscationWithExamples(
      { images: loaded.images, size, key },
      exampleCount,
    );
    const seconds = (performance.now() - started) / 1000;

    const exampleNames = examples.map((e) => loaded.names[e.index]!);
    const written: string[] = [];
    if (outDir) {
      await mkdir(outDir, { recursive: true });
      const charts = await securityCharts(report, title);
      const files: [string, string | Buffer][] = [
        ...charts.map((c): [string, string] => [c.file, c.svg]),
        ...(examples.length > 0
          ? [['examples.png', await exampleGridPng(examples, size)] as [string, Buffer]]
          : []),
        ['security-report.json', `${JSON.stringify({ title, ...report }, null, 1)}\n`],
      ];
      for (const [file, content] of files) {
        const target = path.join(outDir, file);
        await writeFile(`${target}.partial`, content);
        await rename(`${target}.partial`, target);
        written.push(target);
      }
    }
    const text = [
      formatSecurityReport(report, title),
      `analysis took ${seconds.toFixed(1)} s`,
      ...(loaded.failed.length > 0 ? [`${loaded.failed.length} file(s) could not be read`] : []),
      ...(written.length > 0 ? [`wrote ${written.join(', ')}`] : []),
      ...(examples.length > 0
        ? [`examples.png rows: ${exampleNames.join(', ')}; columns: ${EXAMPLE_COLUMNS.join(' | ')}`]
        : []),
    ].join('\n');
    return {
      json: { title, folder, failed: loaded.failed, written, seconds, exampleNames, ...report },
      text,
    };
  } finally {
    key.fill(0);
  }
}
