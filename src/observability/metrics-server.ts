// The optional HTTP endpoint (--metrics-port, on --metrics-host): /metrics for Prometheus, /healthz (liveness:
// 200 "ok", or 503 with why the worker is stuck, one reason a line) and /readyz (readiness: 200 once start-up
// checks passed and the worker takes part in the fleet, else 503 with what it waits for), the verdict being
// health-check.ts's; and, given a status source, the live status page for people at / with the data it polls:
// /status.json (as `status --json`) and /history.json (its charts' samples).
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import type { HealthVerdict } from './health-check.js';
import { STATUS_PAGE_HTML } from './status-page/page-html.js';

/** What the status page shows (status-page/status-poller.ts). */
export interface StatusSource {
  /** Undefined until the lease tables were first read. */
  statusJson(): unknown;
  historyJson(): unknown;
}

export interface ServeOptions {
  /** The interface to listen on; all of them when undefined (as exporters do). */
  readonly host?: string | undefined;
  readonly status?: StatusSource | undefined;
}

export async function serveMetrics(
  registry: Registry,
  port: number,
  health: () => HealthVerdict,
  options: ServeOptions = {},
): Promise<{ server: Server; port: number }> {
  const status = options.status;
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
    if (status !== undefined && (path === '/' || path === '/index.html')) {
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        // The page runs only its own inline script and fetches only from this server.
        'content-security-policy':
          "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self'",
        'x-content-type-options': 'nosniff',
      });
      res.end(STATUS_PAGE_HTML);
      return;
    }
    if (status !== undefined && (path === '/status.json' || path === '/history.json')) {
      const body = path === '/status.json' ? status.statusJson() : status.historyJson();
      if (body === undefined) {
        json(res, 503, { error: 'the lease tables have not been read yet' });
      } else {
        json(res, 200, body);
      }
      return;
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    if (options.host === undefined) server.listen(port, () => resolve());
    else server.listen(port, options.host, () => resolve());
  });
  const address = server.address();
  return { server, port: typeof address === 'object' && address !== null ? address.port : port };
}

function answer(res: ServerResponse, ok: boolean, lines: readonly string[]): void {
  // Never cached: a probe must see the state now.
  res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`${lines.join('\n')}\n`);
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`${JSON.stringify(body, null, 2)}\n`);
}
