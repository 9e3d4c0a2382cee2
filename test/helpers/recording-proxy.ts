// A loopback TCP proxy in front of the test broker that keeps every byte the clients send
// to it: what "written to Redis" means, whatever command carried it (SET of a blob chunk,
// a job payload in a Lua script's arguments, a stream entry). A test points the key holder
// and the evaluator nodes at the proxy, then scans the recording for secrets.
import net from 'node:net';

export interface RecordingProxy {
  readonly port: number;
  /** All bytes clients sent through the proxy so far, in one buffer. */
  sent(): Buffer;
  close(): Promise<void>;
}

export async function startRecordingProxy(target: {
  host: string;
  port: number;
}): Promise<RecordingProxy> {
  const chunks: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    sockets.add(client);
    sockets.add(upstream);
    client.on('data', (data) => {
      chunks.push(Buffer.from(data));
      upstream.write(data);
    });
    upstream.on('data', (data) => client.write(data));
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    sent: () => Buffer.concat(chunks),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
