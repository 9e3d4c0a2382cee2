import { describe, expect, it } from 'vitest';
import {
  buildSealSightApi,
  IPC_CHANNEL_NAMES,
  IPC_CHANNELS,
  IPC_FEATURES,
  IpcRequestError,
  isReadableItem,
  methodNameOf,
  parseIpcRequest,
  ProgressEventSchema,
} from './ipc.ts';

describe('IPC contract', () => {
  it('derives one camel-case method per channel', () => {
    expect(methodNameOf('vault:create')).toBe('vaultCreate');
    expect(methodNameOf('review:set-label')).toBe('reviewSetLabel');
    const names = IPC_CHANNEL_NAMES.map(methodNameOf);
    expect(new Set(names).size).toBe(names.length);
  });

  it('defines each channel in exactly one feature', () => {
    const byFeature = Object.values(IPC_FEATURES).flatMap((channels) => Object.keys(channels));
    expect(byFeature.sort()).toEqual([...IPC_CHANNEL_NAMES].sort());
  });

  it('rejects malformed payloads with the channel and the field named', () => {
    expect(() => parseIpcRequest('vault:create', { dir: '/tmp/v', passphrase: 'short' })).toThrow(
      /vault:create: invalid request \(passphrase: /,
    );
    expect(() => parseIpcRequest('vault:create', { dir: '/tmp/v' })).toThrow(IpcRequestError);
    expect(() => parseIpcRequest('images:thumbnail', { id: '../../etc/passwd', size: 64 })).toThrow(
      /id/,
    );
    expect(() => parseIpcRequest('import:run', { jobId: 'x', folder: '/a' })).toThrow(/jobId/);
    expect(() => parseIpcRequest('vault:lock', { extra: 1 })).toThrow(/invalid request/);
    expect(() => parseIpcRequest('vault:lock', null)).toThrow(/invalid request/);
    expect(() =>
      parseIpcRequest('import:run', {
        jobId: 'job-123456',
        folder: 'a\0b',
        labelsFromFolders: true,
        threshold: 100,
      }),
    ).toThrow(/NUL/);
  });

  it('accepts well-formed payloads', () => {
    expect(parseIpcRequest('vault:unlock', { dir: '/v', passphrase: 'x' })).toEqual({
      dir: '/v',
      passphrase: 'x',
    });
    expect(
      parseIpcRequest('review:set-label', { id: 'a'.repeat(32), label: 'crazing' }).label,
    ).toBe('crazing');
  });

  it('responses are strict: a stray secret field fails validation', () => {
    const status = {
      state: 'unlocked',
      dir: '/v',
      imageCount: 1,
      idleLockSeconds: 300,
      lockedReason: null,
      headerRestoredFromBackup: false,
      recent: [],
    };
    expect(IPC_CHANNELS['vault:status'].response.parse(status)).toEqual(status);
    expect(() =>
      IPC_CHANNELS['vault:status'].response.parse({ ...status, masterKey: 'ab' }),
    ).toThrow();
  });

  it('a gallery item is either readable or an error naming what failed, never both', () => {
    const list = IPC_CHANNELS['images:list'].response;
    const id = 'b'.repeat(32);
    const readable = {
      id,
      name: 'crazing/Cr_10.bmp',
      label: null,
      reviewed: false,
      prediction: null,
      importedAt: '2026-01-01T00:00:00.000Z',
      threshold: 100,
      lowGradient: false,
      signedIndices: Array.from({ length: 16 }, (_, p) => -(p + 1)),
      scores: Array.from({ length: 16 }, () => 1),
    };
    const error = 'integrity check failed for metadata of image bbbb…';
    const unreadable = { id, error, reviewed: true, importedAt: readable.importedAt };
    const { items } = list.parse({ items: [readable, unreadable] });
    expect(items.map(isReadableItem)).toEqual([true, false]);
    expect(() => list.parse({ items: [{ ...readable, error }] })).toThrow();
    expect(() => list.parse({ items: [{ ...unreadable, error: '' }] })).toThrow();
  });

  it('buildSealSightApi validates both ways and filters malformed progress events', async () => {
    const sent: Array<[string, unknown]> = [];
    let emit: (e: unknown) => void = () => {};
    const api = buildSealSightApi({
      invoke: async (channel, request) => {
        sent.push([channel, request]);
        return channel === 'job:cancel' ? { cancelled: true } : { unexpected: true };
      },
      subscribe: (listener) => {
        emit = listener as (e: unknown) => void;
        return () => {};
      },
    });
    await expect(api.cancel('job-12345678')).resolves.toEqual({ cancelled: true });
    await expect(api.vaultLock({})).rejects.toThrow();
    await expect(api.vaultCreate({ dir: '', passphrase: 'long enough' })).rejects.toThrow();
    expect(sent.map(([c]) => c)).toEqual(['job:cancel', 'vault:lock']);
    const seen: unknown[] = [];
    api.onProgress((e) => seen.push(e));
    emit({
      jobId: 'job-12345678',
      kind: 'import',
      phase: 'running',
      done: 1,
      total: 2,
      etaSeconds: 3,
      message: '',
    });
    emit({ jobId: 'bad', kind: 'import' });
    expect(seen).toHaveLength(1);
    expect(ProgressEventSchema.safeParse(seen[0]).success).toBe(true);
  });
});
