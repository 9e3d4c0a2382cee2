// The preload's side of the bridge, kept free of Electron imports so it is unit-tested:
// preload.ts passes ipcRenderer in. It turns the main side's reply envelope back into a
// value or a thrown Error (only an Error's message survives contextBridge), and hands
// progress listeners the event alone — never Electron's IpcRendererEvent, whose `sender`
// is ipcRenderer itself and would leak the whole IPC surface to the page.
import { PROGRESS_CHANNEL } from '../../src-shared/contract/ipc.ts';
import type { IpcChannel, ProgressEvent } from '../../src-shared/contract/ipc.ts';
import { IpcReplySchema } from './ipc-reply.ts';

/** The parts of Electron's ipcRenderer the preload uses. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

export interface BridgeTransport {
  invoke(channel: IpcChannel, request: unknown): Promise<unknown>;
  subscribe(listener: (event: ProgressEvent) => void): () => void;
}

export function createIpcTransport(ipc: IpcRendererLike): BridgeTransport {
  return {
    async invoke(channel, request) {
      const reply = IpcReplySchema.safeParse(await ipc.invoke(channel, request));
      if (!reply.success) throw new Error(`${channel}: malformed reply from the main process`);
      if (reply.data.ok) return reply.data.value;
      throw new Error(reply.data.error.message);
    },
    subscribe(listener) {
      // The contract's buildSealSightApi validates each event before the page sees it.
      const handler = (_event: unknown, payload: unknown): void =>
        listener(payload as ProgressEvent);
      ipc.on(PROGRESS_CHANNEL, handler);
      return () => {
        ipc.removeListener(PROGRESS_CHANNEL, handler);
      };
    },
  };
}
