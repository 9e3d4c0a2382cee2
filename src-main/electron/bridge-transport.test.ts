import { describe, expect, it } from 'vitest';
import {
  buildSealSightApi,
  IPC_CHANNEL_NAMES,
  methodNameOf,
  PROGRESS_CHANNEL,
} from '../../src-shared/contract/ipc.ts';
import { createIpcTransport } from './bridge-transport.ts';
import type { IpcRendererLike } from './bridge-transport.ts';

/** An in-memory ipcRenderer: records invokes, answers with a scripted reply, emits events. */
function fakeIpcRenderer(reply: (channel: string, request: unknown) => unknown) {
  const listeners = new Map<string, Set<(event: unknown, ...args: unknown[]) => void>>();
  const invoked: Array<[string, unknown]> = [];
  const ipc: IpcRendererLike = {
    invoke: async (channel, ...args) => {
      invoked.push([channel, args[0]]);
      return reply(channel, args[0]);
    },
    on: (channel, listener) => {
      if (!listeners.has(channel)) listeners.set(channel, new Set());
      listeners.get(channel)!.add(listener);
    },
    removeListener: (channel, listener) => listeners.get(channel)?.delete(listener),
  };
  const emit = (channel: string, payload: unknown) => {
    for (const l of listeners.get(channel) ?? []) l({ sender: 'ipcRenderer itself' }, payload);
  };
  return { ipc, invoked, emit, listeners };
}

describe('preload transport', () => {
  it('exposes one method per contract channel plus onProgress and cancel, nothing else', () => {
    const { ipc } = fakeIpcRenderer(() => ({ ok: true, value: {} }));
    const api = buildSealSightApi(createIpcTransport(ipc));
    expect(Object.keys(api).sort()).toEqual(
      [...IPC_CHANNEL_NAMES.map(methodNameOf), 'onProgress', 'cancel'].sort(),
    );
    for (const value of Object.values(api)) expect(typeof value).toBe('function');
  });

  it('unwraps a successful reply and turns a failure into an Error with the message', async () => {
    const { ipc, invoked } = fakeIpcRenderer((channel) =>
      channel === 'job:cancel'
        ? { ok: true, value: { cancelled: true } }
        : { ok: false, error: { code: 'locked', message: 'the vault is locked: unlock it first' } },
    );
    const api = buildSealSightApi(createIpcTransport(ipc));
    await expect(api.cancel('job-12345678')).resolves.toEqual({ cancelled: true });
    expect(invoked).toEqual([['job:cancel', { jobId: 'job-12345678' }]]);
    await expect(api.imagesList({})).rejects.toThrow('the vault is locked: unlock it first');
  });

  it('refuses a reply that is not the envelope', async () => {
    const { ipc } = fakeIpcRenderer(() => ({ items: [] }));
    await expect(createIpcTransport(ipc).invoke('images:list', {})).rejects.toThrow(
      'images:list: malformed reply from the main process',
    );
  });

  it('hands progress listeners the event only, and unsubscribes', () => {
    const { ipc, emit, listeners } = fakeIpcRenderer(() => ({ ok: true, value: {} }));
    const received: unknown[][] = [];
    const api = buildSealSightApi(createIpcTransport(ipc));
    const off = api.onProgress((...args: unknown[]) => void received.push(args));
    const event = {
      jobId: 'job-12345678',
      kind: 'classify',
      phase: 'done',
      done: 1,
      total: 1,
      etaSeconds: null,
      message: 'done',
    };
    emit(PROGRESS_CHANNEL, event);
    expect(received).toEqual([[event]]);
    off();
    expect(listeners.get(PROGRESS_CHANNEL)?.size).toBe(0);
    emit(PROGRESS_CHANNEL, event);
    expect(received).toHaveLength(1);
  });
});
