// A loopback TCP proxy to put between a sink and its server, so a test can take the server
// "down" without touching the machine's shared one: refuse connections, or black-hole them
// (accept, never answer), then heal.

import net from 'node:net';

export type ProxyMode = 'open' | 'refuse' | 'blackhole';

export class TcpProxy {
  private mode: ProxyMode = 'open';
  private readonly sockets = new Set<net.Socket>();
  /** Connections accepted so far: lets tests see that a sink reconnected. */
  accepted = 0;

  private constructor(
    private server: net.Server,
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const server = net.createServer();
    await listen(server, 0);
    const proxy = new TcpProxy(server, (server.address() as net.AddressInfo).port, target);
    proxy.attach(server);
    return proxy;
  }

  /** `url` with its host and port pointed at this proxy. */
  via(url: string): string {
    const proxied = new URL(url);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(this.port);
    return proxied.toString();
  }

  /**
   * refuse: every connection is cut and the port closed (new ones get ECONNREFUSED).
   * blackhole: every connection goes silent; new ones are accepted and never answered.
   */
  async cut(mode: 'refuse' | 'blackhole'): Promise<void> {
    this.mode = mode;
    if (mode === 'refuse') {
      for (const socket of this.sockets) socket.destroy();
      await new Promise<void>((resolve) => this.server.close(() => resolve()));
    }
  }

  /** Serves again, on the same port. Black-holed connections stay dead, as they would. */
  async heal(): Promise<void> {
    const wasRefusing = this.mode === 'refuse';
    this.mode = 'open';
    if (wasRefusing) {
      this.server = net.createServer();
      this.attach(this.server);
      await listen(this.server, this.port);
    }
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private attach(server: net.Server): void {
    server.on('connection', (client) => this.accept(client));
  }

  private accept(client: net.Socket): void {
    this.accepted += 1;
    this.track(client);
    client.on('error', () => client.destroy());
    if (this.mode !== 'open') return; // black hole: hold the socket, read nothing, say nothing

    const upstream = net.connect(this.target.port, this.target.host);
    this.track(upstream);
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());

    // Data flows only while open: once black-holed, bytes in either direction are dropped.
    client.on('data', (chunk) => {
      if (this.mode === 'open') upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (this.mode === 'open') client.write(chunk);
    });
  }

  private track(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
  }
}

function listen(server: net.Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}
