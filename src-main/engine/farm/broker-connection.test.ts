// Connecting to a real, password-protected redis-server: the failures a person meets first
// (wrong password, no password, nothing listening) must each be one clear line naming the
// broker without its password, and an open connection must ride out a broker restart.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startRedisServer, type RedisTestServer } from '../../../test/helpers/redis-server.ts';
import { BrokerConnectionError, openBroker } from './broker-connection.ts';
import { BlobMissingError } from './blob-errors.ts';
import { BlobStore } from './blob-store.ts';

const PASSWORD = 'pw-6f1d0c2b9e';
let server: RedisTestServer;

beforeAll(async () => {
  server = await startRedisServer({ password: PASSWORD });
});
afterAll(async () => {
  await server?.stop();
});

async function refusal(url: string): Promise<BrokerConnectionError> {
  const started = Date.now();
  const error = await openBroker(url).then(
    (connection) => {
      void connection.close();
      throw new Error('connected, but should not have');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BrokerConnectionError);
  expect(Date.now() - started).toBeLessThan(5000); // no endless retry before the first success
  return error as BrokerConnectionError;
}

it('connects with the right password and names the broker without it', async () => {
  const connection = await openBroker(server.url);
  try {
    expect(await connection.redis.ping()).toBe('PONG');
    expect(connection.broker).toBe(`redis://:***@127.0.0.1:${server.port}`);
  } finally {
    await connection.close();
  }
});

it('says in one line that a wrong password was refused, without the password', async () => {
  const wrong = 'not-the-pw-a81c77';
  const error = await refusal(`redis://:${wrong}@127.0.0.1:${server.port}`);
  expect(error.message).toBe(
    `broker redis://:***@127.0.0.1:${server.port}: the user name or password was refused (WRONGPASS)`,
  );
  expect(error.message).not.toContain(wrong);
  expect(error.broker).toBe(`redis://:***@127.0.0.1:${server.port}`);

  const badUser = await refusal(`redis://nobody:${PASSWORD}@127.0.0.1:${server.port}`);
  expect(badUser.message).toBe(
    `broker redis://nobody:***@127.0.0.1:${server.port}: the user name or password was refused (WRONGPASS)`,
  );
  expect(badUser.message).not.toContain(PASSWORD);
});

it('says that the broker needs a password when none was given', async () => {
  const error = await refusal(`redis://127.0.0.1:${server.port}`);
  expect(error.message).toBe(
    `broker redis://127.0.0.1:${server.port}: the broker needs a password and none was given (NOAUTH)`,
  );
});

it('says that nothing answers on a closed port', async () => {
  const closed = await startRedisServer();
  const url = `redis://:${PASSWORD}@127.0.0.1:${closed.port}`;
  await closed.stop();
  const error = await refusal(url);
  expect(error.message).toBe(
    `broker redis://:***@127.0.0.1:${closed.port}: cannot connect: connection refused`,
  );
});

it('keeps the password out of blob errors, and reconnects after a broker restart', async () => {
  const messages: string[] = [];
  const connection = await openBroker(server.url, { onError: (m) => messages.push(m) });
  try {
    const store = new BlobStore(connection.redis);
    const digest = 'ab'.repeat(32);
    const error = await store.get(digest).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BlobMissingError);
    expect((error as Error).message).toBe(
      `blob ${digest} in broker redis://:***@127.0.0.1:${server.port}: ` +
        'not found (never uploaded, expired or deleted)',
    );

    const { digest: kept } = await store.put(Buffer.from('kept across a restart'), 60_000);
    await server.restart();
    // The connection comes back by itself and the blob is still there (AOF).
    expect((await store.get(kept)).toString()).toBe('kept across a restart');
    expect(messages.length).toBeGreaterThan(0); // the drop was reported…
    for (const message of messages) {
      expect(message).toMatch(
        new RegExp(`^broker redis://:\\*\\*\\*@127\\.0\\.0\\.1:${server.port}: `),
      );
      expect(message).not.toContain(PASSWORD); // …without the password
    }
  } finally {
    await connection.close();
  }
});

it('runs its test brokers on loopback, cleans up after them, and says how to install one', async () => {
  const own = await startRedisServer({ password: true });
  expect(own.url).toBe(`redis://:${own.password}@127.0.0.1:${own.port}`);
  expect(existsSync(own.dir)).toBe(true);
  await own.stop();
  expect(existsSync(own.dir)).toBe(false);
  await expect(startRedisServer({ binary: '/nonexistent/redis-server' })).rejects.toThrow(
    '/nonexistent/redis-server is not installed: the farm tests need a real Redis (apt-get install -y redis-server)',
  );
});
