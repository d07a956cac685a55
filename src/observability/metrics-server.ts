// The optional HTTP endpoint (--metrics-port): /metrics for Prometheus, /healthz (liveness: 200 "ok", or 503 with
// why the worker is stuck, one reason a line) and /readyz (readiness: 200 once start-up checks passed and the
// worker takes part in the fleet, else 503 with what it waits for). The verdict is health-check.ts's.
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import type { HealthVerdict } from './health-check.js';

export async function serveMetrics(
  registry: Registry,
  port: number,
  health: () => HealthVerdict,
): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    // Probes may add a query string (?verbose); the path decides.
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics') {
      registry.metrics().then(
        (body) => {
          res.writeHead(200, { 'content-type': registry.contentType });
          res.end(body);
        },
        (err: unknown) => {
          res.writeHead(500);
          res.end(String(err));
        },
      );
      return;
    }
    if (path === '/healthz') {
      const verdict = health();
      answer(res, verdict.live, verdict.live ? ['ok'] : verdict.reasons);
      return;
    }
    if (path === '/readyz') {
      const verdict = health();
      answer(res, verdict.ready, verdict.ready ? ['ready'] : verdict.notReady);
      return;
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => resolve());
  });
  const address = server.address();
  return { server, port: typeof address === 'object' && address !== null ? address.port : port };
}

function answer(res: ServerResponse, ok: boolean, lines: readonly string[]): void {
  // Never cached: a probe must see the state now.
  res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`${lines.join('\n')}\n`);
}
