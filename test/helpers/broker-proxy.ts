// A loopback TCP proxy in front of a test broker that lets every byte through (with back-
// pressure) and shows it to taps on the way: the farm tests record what clients write to
// Redis to scan it for secrets, the farm bench counts the bytes each participant moves.
// Both need the wire, not an estimate: whatever command carried the bytes (SET of a blob
// chunk, a job payload in a Lua script's arguments, a stream entry), the proxy sees them.
import net from 'node:net';

export interface BrokerProxy {
  readonly port: number;
  close(): Promise<void>;
}

export interface ProxyTaps {
  /** Bytes a client sends to the broker. */
  up?(data: Buffer): void;
  /** Bytes the broker sends back. */
  down?(data: Buffer): void;
}

export async function startBrokerProxy(
  target: { host: string; port: number },
  taps: ProxyTaps,
): Promise<BrokerProxy> {
  const sockets = new Set<net.Socket>();
  const pipe = (from: net.Socket, to: net.Socket, tap?: (data: Buffer) => void) => {
    from.on('data', (data) => {
      tap?.(data);
      if (!to.write(data)) from.pause();
    });
    to.on('drain', () => from.resume());
  };
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    sockets.add(client);
    sockets.add(upstream);
    pipe(client, upstream, taps.up);
    pipe(upstream, client, taps.down);
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    for (const socket of [client, upstream]) {
      socket.on('close', end);
      socket.on('error', end);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A proxy that keeps every byte clients send: what "written to Redis" means. */
export async function startRecordingProxy(target: { host: string; port: number }) {
  const chunks: Buffer[] = [];
  const proxy = await startBrokerProxy(target, { up: (data) => chunks.push(Buffer.from(data)) });
  return { ...proxy, sent: () => Buffer.concat(chunks), close: proxy.close };
}

export interface CountingProxy extends BrokerProxy {
  /** Bytes clients sent to the broker, and the broker sent back, since the last reset. */
  up(): number;
  down(): number;
  reset(): void;
}

/** A proxy that counts the bytes in both directions since its last reset. */
export async function startCountingProxy(target: {
  host: string;
  port: number;
}): Promise<CountingProxy> {
  let up = 0;
  let down = 0;
  const proxy = await startBrokerProxy(target, {
    up: (data) => (up += data.byteLength),
    down: (data) => (down += data.byteLength),
  });
  return {
    port: proxy.port,
    close: proxy.close,
    up: () => up,
    down: () => down,
    reset: () => {
      up = 0;
      down = 0;
    },
  };
}
