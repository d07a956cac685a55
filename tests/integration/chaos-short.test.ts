// The short chaos suite inside `npm test`: a few scenarios of tests/chaos with fixed seeds and a few seconds of
// faults each (the long version is `npm run test:chaos`). Each scenario must end with the destination equal to
// the source item by item and no failed check; findings that are not failures (notes) are printed.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { ChaosTotals, runScenario } from '../chaos/chaos-runner.js';
import { SHORT_SETTINGS, scenarioNamed, type ScenarioSettings } from '../chaos/scenarios.js';

const SEED = 20_240_611;
const totals = new ChaosTotals();
const lines: string[] = [];

after(() => {
  const notes = totals.results.flatMap((r) => r.notes.map((n) => `note: ${r.scenario}: ${n}`));
  process.stdout.write(`${[...notes, totals.format(SEED)].join('\n')}\n`);
});

async function scenario(name: string, seed: number, settings: ScenarioSettings = SHORT_SETTINGS) {
  const result = await runScenario(scenarioNamed(name), settings, { seed, log: (l) => lines.push(l) });
  totals.add(result);
  const context = `seed ${seed}; replay: node dist/tests/chaos/run-chaos.js --short --replay ${name}:${seed}\n${lines.slice(-30).join('\n')}`;
  assert.deepEqual(result.problems, [], context);
  assert.equal(result.mismatches, 0, context);
  assert.ok(result.compared > 0, context);
  return result;
}

test('chaos: throttling, 500s, resets, slow and dropped answers on the destination', async () => {
  const result = await scenario('destination-faults', SEED + 1);
  assert.ok(
    (result.faults.get('drop') ?? 0) + (result.faults.get('reset-after') ?? 0) > 0,
    'applied but unheard',
  );
});

test('chaos: the same faults on the stream API', async () => {
  await scenario('stream-faults', SEED + 2);
});

test('chaos: the lease table unreachable for longer than the failover time', async () => {
  await scenario('lease-outage', SEED + 3);
});

test('chaos: the destination unreachable for longer than the failover time', async () => {
  await scenario('destination-outage', SEED + 4);
});

test('chaos: kill -9, SIGSTOP/SIGCONT and restarts of workers', async () => {
  const result = await scenario('process-chaos', SEED + 5, { ...SHORT_SETTINGS, activeMs: 10_000 });
  assert.ok(result.killed + result.frozen + result.restarted > 0);
});

test('chaos: a checkpoint whose answer never comes while renewals fail: one pipeline per shard, tables equal', async () => {
  await scenario('checkpoint-hang', SEED + 6);
});

test('chaos: the source table deleted while replication runs: a clear error, nothing lost up to it', async () => {
  await scenario('source-deleted', SEED + 7);
});
