import { describe, expect, it } from 'vitest';
import { IPC_CHANNEL_NAMES, PROGRESS_CHANNEL } from '../../src-shared/contract/ipc.ts';
import { createIpcRouter, createProgressRelay, toReplyError } from './ipc-router.ts';
import type { ChannelService, ProgressTarget } from './ipc-router.ts';

/** Records what reaches the service, to prove refused calls never do. */
function recordingService(answer: (channel: string, payload: unknown) => unknown = () => ({})) {
  const calls: Array<{ channel: string; payload: unknown }> = [];
  const service: ChannelService = {
    handle: async (channel, payload) => {
      calls.push({ channel, payload });
      return answer(channel, payload);
    },
  };
  return { service, calls };
}

const GOOD_SENDER = {
  sender: { id: 1 },
  senderFrame: { url: 'app://sealsight/index.html', parent: null },
};
const trusted = () => new Set([1]);

describe('IPC router', () => {
  it('registers exactly the contract channels', () => {
    const { service } = recordingService();
    expect(createIpcRouter({ service, trustedWebContentsIds: trusted }).channels).toEqual(
      IPC_CHANNEL_NAMES,
    );
  });

  it('passes a valid request from our window to the service and returns its value', async () => {
    const { service, calls } = recordingService(() => ({ cancelled: true }));
    const router = createIpcRouter({ service, trustedWebContentsIds: trusted });
    const reply = await router.invoke('job:cancel', GOOD_SENDER, { jobId: 'job-12345678' });
    expect(reply).toEqual({ ok: true, value: { cancelled: true } });
    expect(calls).toEqual([{ channel: 'job:cancel', payload: { jobId: 'job-12345678' } }]);
  });

  it.each([
    [
      'a missing field',
      'vault:create',
      { dir: '/v' },
      /vault:create: invalid request \(passphrase/,
    ],
    [
      'a short passphrase',
      'vault:create',
      { dir: '/v', passphrase: 'short' },
      /vault:create: invalid request \(passphrase: at least 8/,
    ],
    [
      'an unknown extra field',
      'vault:lock',
      { exportAllKeys: true },
      /vault:lock: invalid request/,
    ],
    ['a null payload', 'images:list', null, /images:list: invalid request/],
    [
      'a path-like image id',
      'images:thumbnail',
      { id: '../../etc/passwd', size: 64 },
      /images:thumbnail: invalid request \(id: an image id is 32 hex digits/,
    ],
    [
      'a wrong type',
      'import:run',
      { jobId: 'job-12345678', folder: '/x', labelsFromFolders: 'yes', threshold: 100 },
      /import:run: invalid request \(labelsFromFolders/,
    ],
    [
      'an unknown channel',
      'vault:export-secret-key',
      {},
      /unknown channel "vault:export-secret-key"/,
    ],
  ])(
    'rejects %s with a clear error before the service sees it',
    async (_what, channel, payload, message) => {
      const { service, calls } = recordingService();
      const warnings: string[] = [];
      const router = createIpcRouter({
        service,
        trustedWebContentsIds: trusted,
        warn: (m) => warnings.push(m),
      });
      const reply = await router.invoke(channel, GOOD_SENDER, payload);
      expect(reply.ok).toBe(false);
      if (!reply.ok) {
        expect(reply.error.code).toBe('invalid-request');
        expect(reply.error.message).toMatch(message);
      }
      expect(calls).toEqual([]);
      expect(warnings).toHaveLength(1);
    },
  );

  it('refuses a foreign sender even with a valid payload, without logging the payload', async () => {
    const { service, calls } = recordingService();
    const warnings: string[] = [];
    const router = createIpcRouter({
      service,
      trustedWebContentsIds: trusted,
      warn: (m) => warnings.push(m),
    });
    const payload = { dir: '/v', passphrase: 'correct horse battery' };
    const reply = await router.invoke(
      'vault:unlock',
      { sender: { id: 1 }, senderFrame: { url: 'https://evil.example/', parent: null } },
      payload,
    );
    expect(reply).toEqual({
      ok: false,
      error: {
        code: 'invalid-request',
        message: 'vault:unlock: refused, the sender is not the app:// page',
      },
    });
    expect(calls).toEqual([]);
    expect(warnings.join('\n')).not.toContain('correct horse');
  });

  it('carries a service failure back as code and first message line only', async () => {
    const failing: ChannelService = {
      handle: async () => {
        throw Object.assign(new Error('the vault is locked: unlock it first\n    at stack…'), {
          code: 'locked',
        });
      },
    };
    const router = createIpcRouter({ service: failing, trustedWebContentsIds: trusted });
    expect(await router.invoke('images:list', GOOD_SENDER, {})).toEqual({
      ok: false,
      error: { code: 'locked', message: 'the vault is locked: unlock it first' },
    });
  });

  it('maps unknown error codes to failed', () => {
    expect(toReplyError(Object.assign(new Error('x'), { code: 'ENOENT' }))).toEqual({
      code: 'failed',
      message: 'x',
    });
    expect(toReplyError('plain string')).toEqual({ code: 'failed', message: 'plain string' });
  });
});

describe('progress relay', () => {
  function target(id: number, url: string, destroyed = false) {
    const sent: unknown[][] = [];
    const t: ProgressTarget = {
      id,
      getURL: () => url,
      isDestroyed: () => destroyed,
      send: (...args: unknown[]) => void sent.push(args),
    };
    return { t, sent };
  }
  const event = {
    jobId: 'job-12345678',
    kind: 'import',
    phase: 'running',
    done: 3,
    total: 10,
    etaSeconds: 4.2,
    message: 'importing',
  };

  it('sends valid events to our app page only, and drops malformed ones', () => {
    const ours = target(1, 'app://sealsight/index.html');
    const elsewhere = target(2, 'https://evil.example/');
    const gone = target(3, 'app://sealsight/index.html', true);
    const relay = createProgressRelay(() => [ours.t, elsewhere.t, gone.t]);
    relay(event);
    relay({ ...event, passphrase: 'leak me' });
    relay({ ...event, done: -1 });
    expect(ours.sent).toEqual([[PROGRESS_CHANNEL, event]]);
    expect(elsewhere.sent).toEqual([]);
    expect(gone.sent).toEqual([]);
  });
});
