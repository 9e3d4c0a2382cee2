// Reading a model file of either tier (versioned JSON, zod schema): every failure names
// the file and the cause — unreadable, not JSON, from a newer format version than this
// build understands, or the first field the schema rejects. It also gives the model's id
// (model-id.ts: a hash over the file's canonical content), or checks the id a vault stores
// the file under.
import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { earlierTextId, modelIdOf } from './model-id.ts';

export interface ModelFormat {
  /** What the file is, for messages ("model file", "obfuscated-tier model file"). */
  readonly description: string;
  /** The newest format version this build reads. */
  readonly version: number;
}

export interface ModelIdOptions {
  /**
   * The id a vault stores this text under: kept if it is the content's id or, for a model an
   * earlier version stored, the id of this exact text (model-id.ts); else the parse fails
   * with "stored file has id …".
   */
  readonly storedAs?: string;
}

export interface ModelFormatIdentity {
  /**
   * The part of the parsed JSON the id is computed over (default: all of it): a sealed
   * model's embedding head is left out, so adding one keeps the classifier's id.
   */
  readonly identity?: (raw: Record<string, unknown>) => unknown;
}

export interface ParsedModelJson<T> {
  readonly file: T;
  readonly id: string;
}

export function parseModelJson<S extends z.ZodType>(
  text: string,
  source: string,
  schema: S,
  expected: ModelFormat & ModelFormatIdentity,
  options: ModelIdOptions = {},
): ParsedModelJson<z.infer<S>> {
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
  const id = modelIdOf(expected.identity ? expected.identity(raw as Record<string, unknown>) : raw);
  const { storedAs } = options;
  if (storedAs === undefined || storedAs === id) return { file: parsed.data, id };
  if (storedAs === earlierTextId(text)) return { file: parsed.data, id: storedAs };
  throw new Error(`${source}: stored file has id ${id}`);
}

export async function readModelText(file: string): Promise<string> {
  return readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new Error(`${file}: cannot read model (${error.code ?? error.message})`);
  });
}
