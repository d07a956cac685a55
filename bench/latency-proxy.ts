// An HTTP proxy in front of a DynamoDB Local that holds every request for a fixed time before passing it on, so a
// worker sees a destination as far away as another region or continent. Real DynamoDB answers a BatchWriteItem in
// a few ms; a worker's write rate is then bounded by its requests in flight over the round trip, not by the
// service, which is the case where more workers add throughput. The delay is one round trip per request (held on
// the way in, answered at once on the way out), timed by a timer, so the proxy costs little CPU.
import { Agent, createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Lifetime } from './lifetime.js';

export interface LatencyProxy {
  readonly url: string;
  /** Requests passed on so far. */
  readonly forwarded: () => number;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

export async function startLatencyProxy(
  target: string,
  delayMs: number,
  lifetime: Lifetime,
): Promise<LatencyProxy> {
  const upstream = new URL(target);
  const agent = new Agent({ keepAlive: true, maxSockets: 512 });
  let forwarded = 0;
  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      const out = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
          agent,
        },
        (answer) => {
          forwarded += 1;
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      out.once('error', () => res.destroy());
      out.end(body);
    })().catch(() => res.destroy());
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const stop = async (): Promise<void> => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    agent.destroy();
  };
  const release = lifetime.own(`latency proxy to ${target}`, stop, () => server.closeAllConnections());
  return { url: `http://127.0.0.1:${port}`, forwarded: () => forwarded, close: release };
}
