// A port in front of an endpoint that a test closes and opens again: while closed nothing listens on it, so a
// connection is refused at once and the connections it had are cut, as when a destination goes away; opened, it
// forwards to the endpoint on the same port, so a client configured with it finds the destination back.
import { connect, createServer, type Server, type Socket } from 'node:net';

export class ClosablePort {
  readonly #target: URL;
  readonly #sockets = new Set<Socket>();
  #server: Server | undefined;
  port = 0;

  private constructor(target: URL) {
    this.#target = target;
  }

  static async open(endpoint: string): Promise<ClosablePort> {
    const port = new ClosablePort(new URL(endpoint));
    await port.reopen();
    return port;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Listens again on the same port (the first time: on any free port). */
  async reopen(): Promise<void> {
    if (this.#server !== undefined) return;
    const server = createServer((client) => {
      const upstream = connect(Number(this.#target.port), this.#target.hostname);
      for (const socket of [client, upstream]) {
        this.#sockets.add(socket);
        socket.on('close', () => this.#sockets.delete(socket));
        socket.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    this.port = typeof address === 'object' && address !== null ? address.port : 0;
    this.#server = server;
  }

  /** Stops listening and cuts every connection. */
  async close(): Promise<void> {
    const server = this.#server;
    if (server === undefined) return;
    this.#server = undefined;
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
