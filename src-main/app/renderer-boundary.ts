// The one place that decides what may cross to the renderer.
//
// 1. Requests are parsed with the channel's zod schema (strict: unknown fields refused).
// 2. Responses are parsed with the channel's strict schema before they leave: a field the
//    contract does not name (a key, a passphrase, a path to a temp file…) is a bug and
//    fails loudly here instead of reaching the renderer.
// 3. On top of that, responses are scanned for field names that would carry secrets; none
//    of the schemas has such a field, so this only fires if a schema is loosened later.
// 4. Errors cross as { code, message }: the message only, never a stack or a cause chain.
// Passphrases travel renderer → main only (vault:create, vault:unlock) and are dropped
// as soon as the vault is open; a farm's broker password travels the same way
// (evaluation:set) and is stored only sealed in the vault (evaluation-place.ts).
import {
  IPC_CHANNELS,
  IpcRequestError,
  isIpcChannel,
  parseIpcRequest,
} from '../../src-shared/contract/ipc.ts';
import type { IpcChannel, IpcError, IpcParsedRequest } from '../../src-shared/contract/ipc.ts';

const FORBIDDEN_KEYS = /passphrase|password|secret|masterkey|privatekey|blobkey|mackey|dedupekey/i;

/** A channel the contract names, or an invalid-request error. */
export function parseChannel(channel: unknown): IpcChannel {
  if (!isIpcChannel(channel)) throw new AppError('invalid-request', `unknown channel`);
  return channel;
}

/** The channel's request as its schema parses it, or an invalid-request error. */
export function parseRequest<C extends IpcChannel>(
  channel: C,
  payload: unknown,
): IpcParsedRequest<C> {
  try {
    return parseIpcRequest(channel, payload);
  } catch (error) {
    if (error instanceof IpcRequestError) throw new AppError('invalid-request', error.message);
    throw error;
  }
}

export function checkResponse(channel: IpcChannel, response: unknown): unknown {
  const parsed = IPC_CHANNELS[channel].response.safeParse(response);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new AppError(
      'failed',
      `${channel}: internal error, response does not match the contract (${issue.path.join('.')}: ${issue.message})`,
    );
  }
  assertNoSecretFields(parsed.data, channel);
  return parsed.data;
}

function assertNoSecretFields(value: unknown, where: string): void {
  if (Array.isArray(value)) {
    for (const item of value) assertNoSecretFields(item, where);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (FORBIDDEN_KEYS.test(key))
        throw new AppError(
          'failed',
          `${where}: refusing to send a field named "${key}" to the renderer`,
        );
      assertNoSecretFields(inner, where);
    }
  }
}

export class AppError extends Error {
  override name = 'AppError';
  readonly code: IpcError['code'];
  constructor(code: IpcError['code'], message: string) {
    super(message);
    this.code = code;
  }
}

/** What the renderer sees of a failure. */
export function toIpcError(error: unknown): IpcError {
  if (error instanceof AppError) return { code: error.code, message: error.message };
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'failed', message: message.split('\n')[0]!.slice(0, 2000) };
}
