import net, { type AddressInfo } from 'node:net';

/**
 * A TCP load balancer for tests: each new connection goes to the next backend port (round robin) and is piped
 * both ways; a backend that refuses the connection closes it (the client reconnects). Backends are changed while
 * it runs, as a load balancer does when an instance stops being ready.
 */
export class TcpBalancer {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private next = 0;
  backends: number[] = [];

  private constructor() {
    this.server = net.createServer((client) => this.route(client));
  }

  static async start(backends: number[]): Promise<TcpBalancer> {
    const lb = new TcpBalancer();
    lb.backends = [...backends];
    await new Promise<void>((resolve) => lb.server.listen(0, '127.0.0.1', resolve));
    return lb;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  private route(client: net.Socket): void {
    this.sockets.add(client);
    client.once('close', () => this.sockets.delete(client));
    client.on('error', () => undefined);
    if (!this.backends.length) return void client.destroy();
    const port = this.backends[this.next++ % this.backends.length]!;
    const upstream = net.connect({ host: '127.0.0.1', port });
    this.sockets.add(upstream);
    upstream.once('close', () => this.sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    upstream.setNoDelay(true);
    client.setNoDelay(true);
    client.pipe(upstream);
    upstream.pipe(client);
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
