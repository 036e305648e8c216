import { connect, createServer, Socket } from 'node:net';

export interface Balancer {
  /** http://127.0.0.1:<port>: what clients are given, as they would be given a load balancer. */
  url: string;
  /** Drops every open connection (a network blip): clients must reconnect. */
  cut(): void;
  close(): Promise<void>;
}

/**
 * A TCP load balancer on loopback in front of `upstreams` (node URLs, in order of
 * preference): each new connection goes to the first node that accepts it, so a client whose
 * node died lands on a survivor when it reconnects, as behind a real balancer. Bytes are
 * passed through untouched (HTTP, WebSocket upgrades).
 */
export async function startBalancer(upstreams: () => readonly string[]): Promise<Balancer> {
  const open = new Set<Socket>();
  const track = (s: Socket) => {
    open.add(s);
    s.once('close', () => open.delete(s));
  };
  const server = createServer((client) => {
    track(client);
    client.pause();
    const ports = upstreams().map((u) => Number(new URL(u).port));
    const tryNext = (i: number) => {
      if (i >= ports.length || client.destroyed) return void client.destroy();
      const upstream = connect({ host: '127.0.0.1', port: ports[i] });
      let connected = false;
      upstream.once('error', () => {
        if (!connected) tryNext(i + 1);
      });
      upstream.once('connect', () => {
        connected = true;
        track(upstream);
        upstream.removeAllListeners('error');
        upstream.on('error', () => client.destroy());
        client.on('error', () => upstream.destroy());
        upstream.once('close', () => client.destroy());
        client.once('close', () => upstream.destroy());
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
    };
    tryNext(0);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    cut: () => open.forEach((s) => s.destroy()),
    close: () =>
      new Promise((resolve) => {
        open.forEach((s) => s.destroy());
        server.close(() => resolve());
      }),
  };
}
