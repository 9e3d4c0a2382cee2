// Opens the connection to the farm's broker, and turns the ways that can fail into one line a
// person can act on. ioredis on its own reports a wrong password as an `error` event and then
// "Connection is closed.", and retries an unreachable broker for ever; the key holder and the
// evaluator node both need a clear answer at start-up instead: this broker (named without its
// password) refused the credentials, or cannot be reached. Once connected, ioredis reconnects
// by itself with a bounded back-off, since a broker restart should not end a node.
import { Redis, type RedisOptions } from 'ioredis';
import { describeBrokerOptions, parseBrokerUrl, type BrokerOptions } from './broker-url.ts';

/** The broker refused the connection or the credentials; the message never holds a secret. */
export class BrokerConnectionError extends Error {
  override name = 'BrokerConnectionError';
  /** The broker as `redis://user:***@host:port`. */
  readonly broker: string;

  constructor(broker: string, reason: string) {
    super(`broker ${broker}: ${reason}`);
    this.broker = broker;
  }
}

export interface OpenBrokerOptions {
  /** How long the first connection may take (ms); default 10 s. */
  connectTimeoutMs?: number;
  /** Trouble after the first connection (errors, a lost connection being retried), one
   * line each, already without the password: for the node's log. */
  onError?: (message: string) => void;
  /** Further ioredis options, e.g. `maxRetriesPerRequest: null` for a BullMQ worker. */
  redis?: Omit<RedisOptions, keyof BrokerOptions | 'lazyConnect' | 'retryStrategy'>;
}

export interface BrokerConnection {
  readonly redis: Redis;
  /** The broker for logs and messages: `redis://user:***@host:port`. */
  readonly broker: string;
  close(): Promise<void>;
}

/** Connects to the broker named by `url` and checks that it answers. */
export async function openBroker(
  url: string,
  options: OpenBrokerOptions = {},
): Promise<BrokerConnection> {
  const parsed = parseBrokerUrl(url);
  const broker = describeBrokerOptions(parsed);
  const secrets = [parsed.password, url].filter((s): s is string => Boolean(s));
  const scrub = (message: string) =>
    secrets.reduce((text, secret) => text.split(secret).join('***'), message).split('\n')[0]!;

  let connected = false;
  let lastError: Error | undefined;
  const redis = new Redis({
    ...options.redis,
    ...parsed,
    lazyConnect: true,
    connectTimeout: options.connectTimeoutMs ?? 10_000,
    // No retry before the first success (the caller gets the reason at once), then a bounded
    // back-off so that a node rides out a broker restart.
    retryStrategy: (attempt) => (connected ? Math.min(attempt * 200, 5000) : null),
  });
  redis.on('error', (error: Error) => {
    lastError = error;
    if (connected) options.onError?.(`broker ${broker}: ${scrub(error.message)}`);
  });
  redis.on('reconnecting', (delayMs: number) => {
    if (connected)
      options.onError?.(`broker ${broker}: connection lost, retrying in ${delayMs} ms`);
  });

  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    redis.disconnect();
    throw new BrokerConnectionError(broker, reasonOf(lastError ?? (error as Error), scrub));
  }
  connected = true;
  return {
    redis,
    broker,
    async close() {
      connected = false;
      try {
        await redis.quit();
      } catch {
        redis.disconnect();
      }
    },
  };
}

function reasonOf(error: Error, scrub: (message: string) => string): string {
  const message = scrub(error.message);
  const code = (error as NodeJS.ErrnoException).code;
  if (/^WRONGPASS/.test(message)) return 'the user name or password was refused (WRONGPASS)';
  if (/^NOAUTH/.test(message)) return 'the broker needs a password and none was given (NOAUTH)';
  if (code === 'ECONNREFUSED') return 'cannot connect: connection refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'cannot connect: unknown host';
  if (code === 'ETIMEDOUT' || /timeout/i.test(message)) return 'cannot connect: timed out';
  return `cannot connect: ${message}`;
}
