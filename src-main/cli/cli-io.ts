// CLI plumbing: one JSON document on stdout with --json, everything else on stderr,
// a one-line reason and a non-zero exit code on failure.
import { isMinFeatureChunks } from '../../src-shared/domain/geometry.ts';

export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

export class UsageError extends CliError {
  constructor(message: string) {
    super(message, 2);
  }
}

export interface CommandContext {
  readonly json: boolean;
  readonly env: NodeJS.ProcessEnv;
  /** Progress and logs: always stderr, so stdout stays a single JSON document. */
  log(line: string): void;
}

export interface CommandResult {
  /** The JSON document printed with --json. */
  readonly json: unknown;
  /** Human-readable text printed without --json. */
  readonly text: string;
  readonly exitCode?: number;
}

export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 60
    ? `${minutes}m${String(seconds % 60).padStart(2, '0')}s`
    : `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

/** Throttled single-line progress on stderr (a TTY gets \r updates, a pipe gets lines). */
export function progressPrinter(prefix: string, stream: NodeJS.WriteStream = process.stderr) {
  let last = 0;
  return (done: number, total: number, etaMs: number | null, extra = '', force = false) => {
    const now = Date.now();
    if (!force && now - last < (stream.isTTY ? 100 : 2000) && done < total) return;
    last = now;
    const pct = total > 0 ? ((100 * done) / total).toFixed(1) : '100.0';
    const eta = etaMs === null ? '' : ` ETA ${formatDuration(etaMs)}`;
    const line = `${prefix} ${done}/${total} (${pct}%)${eta}${extra}`;
    if (stream.isTTY) stream.write(`\r${line}\x1b[K${done >= total ? '\n' : ''}`);
    else stream.write(`${line}\n`);
  };
}

/** `--workers N`: a whole number ≥ 1, or undefined for one per core. */
export function parseWorkers(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const workers = Number(value);
  if (!(Number.isInteger(workers) && workers >= 1)) {
    throw new UsageError(`--workers must be a whole number ≥ 1, got "${String(value)}"`);
  }
  return workers;
}

/**
 * Ctrl-C (or SIGTERM) aborts the signal: the work in flight finishes and the vault
 * stays consistent; a second Ctrl-C exits at once (SQLite's journal protects it).
 */
export async function withCancellation<T>(
  ctx: CommandContext,
  what: string,
  run: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(130);
    ctx.log(`\ncancelling: finishing the ${what} in flight (Ctrl-C again to stop at once)…`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await run(controller.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** A numeric option: undefined when absent, a UsageError naming the flag when invalid. */
export function numberOption(
  raw: unknown,
  name: string,
  valid: (n: number) => boolean,
  what: string,
): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw === '' || !valid(value))
    throw new UsageError(`--${name} must be ${what}, got "${String(raw)}"`);
  return value;
}

/** `--min-chunks N`: the minimum feature chunks per image (0..16). */
export function minChunksOption(raw: unknown): number | undefined {
  return numberOption(raw, 'min-chunks', isMinFeatureChunks, 'a whole number from 0 to 16');
}

export const wholeAtLeast = (min: number) => (n: number) => Number.isInteger(n) && n >= min;
export const percent = (x: number): string => `${(100 * x).toFixed(1)}%`;
