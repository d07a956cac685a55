import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { Registry } from 'prom-client';
import type { HealthVerdict } from './health-check.js';
import { serveMetrics } from './metrics-server.js';

const LIVE: HealthVerdict = { live: true, ready: true, reasons: [], notReady: [] };

describe('serveMetrics', async () => {
  let verdict: HealthVerdict = LIVE;
  const registry = new Registry();
  const { server, port } = await serveMetrics(registry, 0, () => verdict);
  after(() => server.close());

  async function get(path: string): Promise<[number, string, string | null]> {
    const res = await fetch(`http://127.0.0.1:${port}${path}`);
    return [res.status, await res.text(), res.headers.get('content-type')];
  }

  test('/healthz and /readyz answer 200 when live and ready', async () => {
    verdict = LIVE;
    assert.deepEqual(await get('/healthz'), [200, 'ok\n', 'text/plain; charset=utf-8']);
    assert.deepEqual(await get('/readyz'), [200, 'ready\n', 'text/plain; charset=utf-8']);
  });

  test('/healthz answers 503 with one reason a line; /readyz on its own', async () => {
    verdict = {
      live: false,
      ready: true,
      reasons: ['task a shard s1 behind', 'event loop blocked'],
      notReady: [],
    };
    assert.deepEqual((await get('/healthz')).slice(0, 2), [
      503,
      'task a shard s1 behind\nevent loop blocked\n',
    ]);
    assert.equal((await get('/readyz'))[0], 200);
    verdict = {
      live: true,
      ready: false,
      reasons: [],
      notReady: ['task a starting: start-up checks under way'],
    };
    assert.equal((await get('/healthz'))[0], 200);
    assert.deepEqual((await get('/readyz')).slice(0, 2), [
      503,
      'task a starting: start-up checks under way\n',
    ]);
  });

  test('a query string does not change the path; other paths are 404; /metrics is the registry', async () => {
    verdict = LIVE;
    assert.equal((await get('/healthz?verbose'))[0], 200);
    assert.equal((await get('/nothing'))[0], 404);
    const [status, , type] = await get('/metrics');
    assert.deepEqual([status, type], [200, registry.contentType]);
  });
});

describe('serveMetrics with the status page', async () => {
  let status: unknown = undefined;
  const { server, port } = await serveMetrics(new Registry(), 0, () => LIVE, {
    host: '127.0.0.1',
    status: { statusJson: () => status, historyJson: () => ({ polledAt: 1, intervalMs: 2000, tasks: {} }) },
  });
  after(() => server.close());

  test('listens on the host asked for', () => {
    const address = server.address();
    assert.ok(typeof address === 'object' && address !== null);
    assert.equal(address.address, '127.0.0.1');
  });

  test('/ is the page: HTML with its script inline and a policy that lets it fetch only from here', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'.*connect-src 'self'/);
    const html = await res.text();
    assert.match(html, /<script>[\s\S]*status\.json[\s\S]*<\/script>/);
    // Nothing from outside: no src= or href= to another origin.
    assert.doesNotMatch(html, /(src|href)=["']?(https?:)?\/\//);
    // Data reaches the DOM as text, never as markup.
    assert.doesNotMatch(html, /innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
  });

  test('/status.json: 503 before the first poll, then the source JSON', async () => {
    status = undefined;
    assert.equal((await fetch(`http://127.0.0.1:${port}/status.json`)).status, 503);
    status = { taskName: 't', leaseTable: 'DynamoDBCrossRegionReplicationt', shards: [] };
    const res = await fetch(`http://127.0.0.1:${port}/status.json`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.deepEqual(await res.json(), status);
    const history = await fetch(`http://127.0.0.1:${port}/history.json`);
    assert.deepEqual(await history.json(), { polledAt: 1, intervalMs: 2000, tasks: {} });
  });
});

test('without a status source there is no page', async () => {
  const { server, port } = await serveMetrics(new Registry(), 0, () => LIVE);
  try {
    assert.equal((await fetch(`http://127.0.0.1:${port}/`)).status, 404);
    assert.equal((await fetch(`http://127.0.0.1:${port}/status.json`)).status, 404);
  } finally {
    server.close();
  }
});
