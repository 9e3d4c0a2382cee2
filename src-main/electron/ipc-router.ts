// The main side of the IPC bridge, generic over the contract: one handler per channel of
// IPC_CHANNELS (a new channel needs no change here). Each call is checked in this order,
// and stops at the first failure, so nothing malformed or foreign reaches the service:
//   1. the sender (our window's main frame, app:// origin — sender-validation.ts);
//   2. the channel (one the contract names);
//   3. the payload (the channel's strict zod request schema);
// then the AppService runs it (it validates the response against the contract before it
// leaves). Replies are an envelope { ok, value } | { ok: false, error: { code, message } }
// because Electron would otherwise wrap errors as "Error invoking remote method …" and
// drop everything but the message. Payloads are never logged (they may hold a passphrase).
// Pure (no Electron import) so it is unit-tested with real zod schemas and a fake sender.
import {
  IPC_CHANNEL_NAMES,
  IpcErrorSchema,
  IpcRequestError,
  isIpcChannel,
  parseIpcRequest,
  PROGRESS_CHANNEL,
  ProgressEventSchema,
} from '../../src-shared/contract/ipc.ts';
import type { IpcChannel, IpcError } from '../../src-shared/contract/ipc.ts';
import { isAppUrl, validateSender } from './sender-validation.ts';
import type { IpcSenderLike } from './sender-validation.ts';
import type { IpcReply } from './ipc-reply.ts';

export type { IpcReply } from './ipc-reply.ts';

/** What the router needs of the AppService (src-main/app/app-service.ts). */
export interface ChannelService {
  handle(channel: string, payload: unknown): Promise<unknown>;
}

export interface IpcRouterOptions {
  readonly service: ChannelService;
  /** Ids of our windows' webContents, looked up on every call (windows come and go). */
  readonly trustedWebContentsIds: () => ReadonlySet<number>;
  /** Where refusals are reported (main-process log); never given a payload. */
  readonly warn?: (message: string) => void;
}

export interface IpcRouter {
  readonly channels: readonly IpcChannel[];
  invoke(channel: string, event: IpcSenderLike, payload: unknown): Promise<IpcReply>;
}

const ERROR_CODES = new Set<string>(IpcErrorSchema.shape.code.options);

/** Maps anything thrown to what the renderer may see: a code and the first line of the message. */
export function toReplyError(error: unknown): IpcError {
  if (error instanceof IpcRequestError) return { code: 'invalid-request', message: error.message };
  const message = (error instanceof Error ? error.message : String(error))
    .split('\n')[0]!
    .slice(0, 2000);
  const code = (error as { code?: unknown } | null)?.code;
  return {
    code: typeof code === 'string' && ERROR_CODES.has(code) ? (code as IpcError['code']) : 'failed',
    message,
  };
}

export function createIpcRouter(options: IpcRouterOptions): IpcRouter {
  const warn = options.warn ?? (() => {});
  const refuse = (code: IpcError['code'], message: string): IpcReply => {
    warn(message);
    return { ok: false, error: { code, message } };
  };
  return {
    channels: IPC_CHANNEL_NAMES,
    async invoke(channel, event, payload) {
      const sender = validateSender(event, options.trustedWebContentsIds());
      if (!sender.ok) return refuse('invalid-request', `${channel}: refused, ${sender.reason}`);
      if (!isIpcChannel(channel)) return refuse('invalid-request', `unknown channel "${channel}"`);
      let request: unknown;
      try {
        request = parseIpcRequest(channel, payload);
      } catch (error) {
        return refuse('invalid-request', toReplyError(error).message);
      }
      try {
        return { ok: true, value: await options.service.handle(channel, request) };
      } catch (error) {
        return { ok: false, error: toReplyError(error) };
      }
    },
  };
}

/** The parts of Electron's WebContents the progress relay uses. */
export interface ProgressTarget {
  readonly id: number;
  getURL(): string;
  isDestroyed(): boolean;
  send(channel: string, ...args: unknown[]): void;
}

/**
 * Forwards the service's progress events to our windows, each event re-validated against
 * the contract (a malformed one is dropped, not sent), and only to a window that still
 * shows our app:// page.
 */
export function createProgressRelay(
  targets: () => Iterable<ProgressTarget>,
): (event: unknown) => void {
  return (event) => {
    const parsed = ProgressEventSchema.safeParse(event);
    if (!parsed.success) return;
    for (const target of targets()) {
      if (!target.isDestroyed() && isAppUrl(target.getURL())) {
        target.send(PROGRESS_CHANNEL, parsed.data);
      }
    }
  };
}
