// A TCP port that records connections and drops them: point TEMPORAL_ADDRESS at it to prove a
// CLI run refused its input before it connected anywhere.
import net from 'node:net';

export interface Tripwire {
  /** host:port to hand out as the Temporal address. */
  address: string;
  connections: () => number;
  close: () => Promise<void>;
}

export async function startTripwire(): Promise<Tripwire> {
  let connections = 0;
  const server = net.createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    connections: () => connections,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
