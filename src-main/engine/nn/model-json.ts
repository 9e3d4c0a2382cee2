// Reading a model file of either tier (versioned JSON, zod schema): every failure names
// the file and the cause — unreadable, not JSON, from a newer format version than this
// build understands, or the first field the schema rejects.
import { readFile } from 'node:fs/promises';
import type { z } from 'zod';

export interface ModelFormat {
  /** What the file is, for messages ("model file", "obfuscated-tier model file"). */
  readonly description: string;
  /** The newest format version this build reads. */
  readonly version: number;
}

export function parseModelJson<S extends z.ZodType>(
  text: string,
  source: string,
  schema: S,
  expected: ModelFormat,
): z.infer<S> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new Error(`${source}: not a model file (invalid JSON)`);
  }
  const version = (raw as { version?: unknown } | null)?.version;
  if (typeof version === 'number' && version > expected.version)
    throw new Error(
      `${source}: model format v${version} is newer than this SealSight understands (v${expected.version})`,
    );
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(
      `${source}: not a valid ${expected.description} (${issue.path.join('.') || 'root'}: ${issue.message})`,
    );
  }
  return parsed.data;
}

export async function readModelText(file: string): Promise<string> {
  return readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new Error(`${file}: cannot read model (${error.code ?? error.message})`);
  });
}
