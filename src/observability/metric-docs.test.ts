// Every metric a worker exports is named in the README's Observability section, where users look them up.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ReplicatorMetrics } from './metrics.js';

const README = fileURLToPath(new URL('../../../README.md', import.meta.url));

test("every ddb_replicator_ metric is documented in the README's Observability section", async () => {
  const readme = readFileSync(README, 'utf8');
  const start = readme.indexOf('### Observability');
  assert.ok(start >= 0, 'no Observability section');
  const end = readme.indexOf('\n## ', start);
  const section = readme.slice(start, end < 0 ? undefined : end);
  const metrics = new ReplicatorMetrics();
  const names = (await metrics.registry.getMetricsAsJSON())
    .map((m) => m.name)
    .filter((name) => !name.startsWith('ddb_replicator_process_'));
  assert.ok(names.includes('ddb_replicator_spool_phase'), names.join(', '));
  const missing = names.filter((name) => !section.includes(name));
  assert.deepEqual(missing, [], `metrics missing from the README's Observability section`);
});
