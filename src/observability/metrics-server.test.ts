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
