// A real redis-server for the tests of the evaluation farm's data plane. The farm runs on
// Redis, and the behaviour that matters (chunked binary values, TTLs, Lua, AUTH, AOF across
// a restart) is the server's own, so every test that needs a broker starts its own child
// process here and stops it: never a mocked broker, never a shared one on a fixed port.
// Each server listens on loopback only, on a port the kernel handed out, with its own
// temporary data folder and append-only file, and no RDB snapshots (`--save ''`), so what
// survives restart() survived through the AOF.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const REDIS_SERVER = process.env.SEALSIGHT_REDIS_SERVER ?? 'redis-server';
const HOST = '127.0.0.1';
const READY_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 10_000;

export interface RedisServerOptions {
  /** Starts the server with `--requirepass`: pass a string, or `true` for a random one. */
  password?: string | true;
  /** The redis-server to run; default `redis-server` on PATH (or SEALSIGHT_REDIS_SERVER). */
  binary?: string;
}

export interface RedisTestServer {
  /** redis:// URL of the server, with the password in it when there is one. */
  readonly url: string;
  readonly port: number;
  readonly password?: string;
  /** The server's data folder (`--dir`): the AOF lives under it. */
  readonly dir: string;
  /** Stops the server (SIGTERM, which flushes the AOF) and removes its data folder. */
  stop(): Promise<void>;
  /** Stops the server and starts it again on the same port and data folder. */
  restart(): Promise<void>;
}

/** Starts a redis-server on a free loopback port; resolves once it answers PING. */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisTestServer> {
  const password =
    options.password === true ? randomBytes(12).toString('hex') : options.password || undefined;
  const port = await freePort();
  const dir = await mkdtemp(path.join(tmpdir(), 'sealsight-redis-'));
  let child: ChildProcess | undefined;
  // A test that dies without stop() must not leave a redis-server behind.
  const onExit = () => {
    child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);

  const args = [
    '--port',
    String(port),
    '--bind',
    HOST,
    '--dir',
    dir,
    '--appendonly',
    'yes',
    '--save',
    '',
    '--daemonize',
    'no',
    '--loglevel',
    'warning',
    ...(password === undefined ? [] : ['--requirepass', password]),
  ];

  const launch = async () => {
    child = await spawnServer(options.binary ?? REDIS_SERVER, args, port, password);
  };
  const halt = async () => {
    if (child === undefined) return;
    const running = child;
    child = undefined;
    await killAndWait(running);
  };

  try {
    await launch();
  } catch (error) {
    process.removeListener('exit', onExit);
    await rm(dir, { recursive: true, force: true });
    throw error;
  }

  const auth = password === undefined ? '' : `:${encodeURIComponent(password)}@`;
  return {
    url: `redis://${auth}${HOST}:${port}`,
    port,
    ...(password === undefined ? {} : { password }),
    dir,
    async stop() {
      await halt();
      process.removeListener('exit', onExit);
      await rm(dir, { recursive: true, force: true });
    },
    async restart() {
      await halt();
      await launch();
    },
  };
}

/** A port that was free a moment ago: bind port 0 on loopback and read what the kernel gave. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.once('error', reject);
    probe.listen(0, HOST, () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => (port > 0 ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

async function spawnServer(
  binary: string,
  args: string[],
  port: number,
  password: string | undefined,
): Promise<ChildProcess> {
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);

  const failed = new Promise<never>((_, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'ENOENT'
          ? new Error(
              `${binary} is not installed: the farm tests need a real Redis ` +
                `(apt-get install -y redis-server)`,
            )
          : error,
      );
    });
    child.once('exit', (code, signal) => {
      reject(
        new Error(
          `redis-server on port ${port} exited (${signal ?? `code ${code}`}) before it ` +
            `answered PING: ${redact(output.trim(), password) || 'no output'}`,
        ),
      );
    });
  });
  failed.catch(() => {}); // observed below; a late exit after readiness is not an error here

  const deadline = Date.now() + READY_TIMEOUT_MS;
  try {
    for (;;) {
      const ready = await Promise.race([ping(port, password), failed]);
      if (ready) return child;
      if (Date.now() > deadline)
        throw new Error(`redis-server on port ${port} did not answer PING within 15 s`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  } catch (error) {
    await killAndWait(child);
    throw error;
  }
}

/**
 * One PING over a raw socket (after AUTH when there is a password). True on +PONG; false
 * while the port is closed or the server is still loading its AOF (-LOADING).
 */
function ping(port: number, password: string | undefined): Promise<boolean> {
  const command = (...parts: string[]) =>
    `*${parts.length}\r\n` + parts.map((p) => `$${Buffer.byteLength(p)}\r\n${p}\r\n`).join('');
  return new Promise((resolve) => {
    const socket = net.connect({ host: HOST, port });
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.on('data', (data) => {
      reply += data.toString('utf8');
      if (reply.includes('+PONG\r\n')) done(true);
      else if (/^-|\r\n-/.test(reply) && reply.endsWith('\r\n')) done(false);
    });
    socket.once('connect', () => {
      socket.write((password === undefined ? '' : command('AUTH', password)) + command('PING'));
    });
  });
}

async function killAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

function redact(text: string, password: string | undefined): string {
  return password === undefined ? text : text.split(password).join('***');
}
