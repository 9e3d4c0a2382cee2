// window.api, the renderer's whole view of the main side: one camel-case method per
// channel ('review:set-label' → reviewSetLabel), onProgress and cancel, built from one
// transport (Electron: ipcRenderer.invoke; the preview: fetch + Server-Sent Events).
import { IPC_CHANNEL_NAMES, IPC_CHANNELS } from './channels.ts';
import type { IpcChannel, IpcRequest, IpcResponse } from './channels.ts';
import { ProgressEventSchema } from './job-channels.ts';
import type { ProgressEvent } from './job-channels.ts';

/** 'vault:create' → 'vaultCreate', 'review:set-label' → 'reviewSetLabel'. */
type Camel<S extends string> = S extends `${infer A}-${infer B}`
  ? `${A}${Capitalize<Camel<B>>}`
  : S;
export type MethodName<C extends string> = C extends `${infer A}:${infer B}`
  ? `${A}${Capitalize<Camel<B>>}`
  : never;

export function methodNameOf<C extends IpcChannel>(channel: C): MethodName<C> {
  const [scope, action] = channel.split(':') as [string, string];
  const camel = action.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
  return `${scope}${camel[0]!.toUpperCase()}${camel.slice(1)}` as MethodName<C>;
}

export type SealSightApi = {
  [C in IpcChannel as MethodName<C>]: (request: IpcRequest<C>) => Promise<IpcResponse<C>>;
} & {
  /** Subscribes to progress events of every job; returns the unsubscribe function. */
  onProgress(listener: (event: ProgressEvent) => void): () => void;
  /** Same as jobCancel({ jobId }). */
  cancel(jobId: string): Promise<{ cancelled: boolean }>;
};

/**
 * Builds window.api from one transport function (Electron: ipcRenderer.invoke; preview:
 * fetch). Requests are validated here too, so a malformed call fails in the renderer
 * with a clear message before it is sent; the main side validates again regardless.
 */
export function buildSealSightApi(transport: {
  invoke(channel: IpcChannel, request: unknown): Promise<unknown>;
  subscribe(listener: (event: ProgressEvent) => void): () => void;
}): SealSightApi {
  const api: Record<string, unknown> = {};
  for (const channel of IPC_CHANNEL_NAMES) {
    const { request, response } = IPC_CHANNELS[channel];
    api[methodNameOf(channel)] = async (payload: unknown) =>
      response.parse(await transport.invoke(channel, request.parse(payload)));
  }
  api.onProgress = (listener: (event: ProgressEvent) => void) =>
    transport.subscribe((event) => {
      const parsed = ProgressEventSchema.safeParse(event);
      if (parsed.success) listener(parsed.data);
    });
  api.cancel = (jobId: string) => (api.jobCancel as SealSightApi['jobCancel'])({ jobId });
  return api as SealSightApi;
}
