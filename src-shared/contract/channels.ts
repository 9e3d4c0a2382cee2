// Every IPC channel, assembled from the features' channel maps (one file per feature:
// app, vault, images, classify, review, models, search, security, jobs), and what both
// sides derive from them: the channel names, the request and response types, request
// parsing with a message naming the channel and field, and the error a failed call
// carries back. A channel belongs to exactly one feature (ipc.test.ts checks that no
// two features define the same name, which the spread below would hide).
import { z } from 'zod';
import { APP_CHANNELS } from './app-channels.ts';
import { CLASSIFY_CHANNELS } from './classify-channels.ts';
import { IMAGE_CHANNELS } from './image-channels.ts';
import { JOB_CHANNELS } from './job-channels.ts';
import { MODEL_CHANNELS } from './model-channels.ts';
import { REVIEW_CHANNELS } from './review-channels.ts';
import { SEARCH_CHANNELS } from './search-channels.ts';
import { SECURITY_CHANNELS } from './security-channels.ts';
import { VAULT_CHANNELS } from './vault-channels.ts';

/** The channels by feature: the main side implements one handler table per feature. */
export const IPC_FEATURES = {
  app: APP_CHANNELS,
  vault: VAULT_CHANNELS,
  images: IMAGE_CHANNELS,
  classify: CLASSIFY_CHANNELS,
  review: REVIEW_CHANNELS,
  models: MODEL_CHANNELS,
  search: SEARCH_CHANNELS,
  security: SECURITY_CHANNELS,
  jobs: JOB_CHANNELS,
} as const;
export type IpcFeature = keyof typeof IPC_FEATURES;

export const IPC_CHANNELS = {
  ...APP_CHANNELS,
  ...VAULT_CHANNELS,
  ...IMAGE_CHANNELS,
  ...CLASSIFY_CHANNELS,
  ...REVIEW_CHANNELS,
  ...MODEL_CHANNELS,
  ...SEARCH_CHANNELS,
  ...SECURITY_CHANNELS,
  ...JOB_CHANNELS,
} as const;

export type IpcChannel = keyof typeof IPC_CHANNELS;
/** The channels one feature defines. */
export type IpcFeatureChannel<F extends IpcFeature> = keyof (typeof IPC_FEATURES)[F] & IpcChannel;
/** What the renderer sends on a channel. */
export type IpcRequest<C extends IpcChannel> = z.input<(typeof IPC_CHANNELS)[C]['request']>;
/** What the main side handles: the request once its schema has parsed it. */
export type IpcParsedRequest<C extends IpcChannel> = z.output<(typeof IPC_CHANNELS)[C]['request']>;
export type IpcResponse<C extends IpcChannel> = z.output<(typeof IPC_CHANNELS)[C]['response']>;

export const IPC_CHANNEL_NAMES = Object.keys(IPC_CHANNELS) as IpcChannel[];

export function isIpcChannel(value: unknown): value is IpcChannel {
  return typeof value === 'string' && Object.hasOwn(IPC_CHANNELS, value);
}

/** What a failed call carries back (message only: no stack, no paths beyond the user's own). */
export const IpcErrorSchema = z.strictObject({
  code: z.enum(['invalid-request', 'locked', 'not-available', 'cancelled', 'failed']),
  message: z.string(),
});
export type IpcError = z.infer<typeof IpcErrorSchema>;

/** Parses a request for a channel; throws an IpcError-shaped Error on malformed input. */
export function parseIpcRequest<C extends IpcChannel>(
  channel: C,
  payload: unknown,
): IpcParsedRequest<C> {
  const parsed = IPC_CHANNELS[channel].request.safeParse(payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new IpcRequestError(
      `${channel}: invalid request (${issue.path.join('.') || 'payload'}: ${issue.message})`,
    );
  }
  return parsed.data as IpcParsedRequest<C>;
}

export class IpcRequestError extends Error {
  override name = 'IpcRequestError';
  readonly code = 'invalid-request' as const;
}
