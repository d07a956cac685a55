// dynamodb-local: shared
// The dashboard (ops/grafana-dashboard.json) and the alerting rules (ops/prometheus-rules.yaml) query only metrics
// a running worker exports: a real `replicate --bootstrap --metrics-port 0` copies a small table, replicates a few
// writes, and every name in every panel's and rule's PromQL is in its /metrics. Both files parse, with the
// structure Grafana's import and Prometheus's rule files expect (promtool and Grafana are not at hand: the test
// checks what they would refuse first).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { parse } from 'yaml';
import { exportedNames, metricNames } from '../support/promql-names.js';
import {
  assertTablesConverge,
  createFixture,
  type ReplicationFixture,
} from '../support/replication-fixture.js';
import { ReplicatorProcess } from '../support/replicator-process.js';
import { waitFor } from '../support/wait-for.js';
import { writeBacklog } from '../support/workload.js';

// From dist/tests/integration/ back to the repository's ops/.
const OPS = fileURLToPath(new URL('../../../ops/', import.meta.url));
const DS = '${DS_PROMETHEUS}';

interface Target {
  readonly expr?: unknown;
  readonly datasource?: { readonly uid?: unknown };
}
interface Panel {
  readonly id?: unknown;
  readonly type?: unknown;
  readonly title?: unknown;
  readonly datasource?: { readonly uid?: unknown };
  readonly targets?: readonly Target[];
  readonly gridPos?: unknown;
}
interface Dashboard {
  readonly __inputs?: readonly { readonly name?: unknown; readonly pluginId?: unknown }[];
  readonly title?: unknown;
  readonly uid?: unknown;
  readonly panels?: readonly Panel[];
  readonly templating?: { readonly list?: readonly { readonly name?: unknown; readonly query?: unknown }[] };
}
interface Rule {
  readonly alert?: unknown;
  readonly expr?: unknown;
  readonly for?: unknown;
  readonly labels?: { readonly severity?: unknown };
  readonly annotations?: { readonly summary?: unknown; readonly description?: unknown };
}
interface RuleFile {
  readonly groups?: readonly { readonly name?: unknown; readonly rules?: readonly Rule[] }[];
}

function dashboard(): Dashboard {
  return JSON.parse(readFileSync(`${OPS}grafana-dashboard.json`, 'utf8')) as Dashboard;
}

function rules(): Rule[] {
  const file = parse(readFileSync(`${OPS}prometheus-rules.yaml`, 'utf8')) as RuleFile;
  const groups = file.groups ?? [];
  assert.ok(groups.length > 0, 'groups');
  return groups.flatMap((group) => {
    assert.equal(typeof group.name, 'string');
    const list = group.rules ?? [];
    assert.ok(list.length > 0, `rules of group ${String(group.name)}`);
    return list;
  });
}

/** Every PromQL expression of the dashboard and the rules, with where it comes from. */
function queries(): { readonly where: string; readonly expr: string }[] {
  const found: { where: string; expr: string }[] = [];
  for (const panel of dashboard().panels ?? []) {
    for (const target of panel.targets ?? []) {
      assert.equal(typeof target.expr, 'string', `panel ${String(panel.title)}: expr`);
      found.push({ where: `panel "${String(panel.title)}"`, expr: target.expr as string });
    }
  }
  for (const rule of rules()) found.push({ where: `rule ${String(rule.alert)}`, expr: rule.expr as string });
  return found;
}

test('the dashboard is an importable Grafana dashboard over a ${DS_PROMETHEUS} input with a task variable', () => {
  const dash = dashboard();
  assert.equal(dash.title, 'ddb-replicator');
  assert.equal(typeof dash.uid, 'string');
  assert.deepEqual(
    dash.__inputs?.map((input) => [input.name, input.pluginId]),
    [['DS_PROMETHEUS', 'prometheus']],
  );
  const task = dash.templating?.list?.find((variable) => variable.name === 'task');
  assert.ok(task !== undefined, 'a task variable');
  assert.match(JSON.stringify(task.query), /label_values\(ddb_replicator_\w+, task\)/);
  const panels = dash.panels ?? [];
  const ids = panels.map((panel) => panel.id);
  assert.equal(new Set(ids).size, ids.length, 'panel ids unique');
  const titles = panels.map((panel) => String(panel.title));
  for (const title of [
    'Lag per shard',
    'Max lag per task',
    'Items written/s',
    'Records read/s and applied/s',
    'Retries/s by side and reason',
    'Lease changes',
    'Leases held per worker',
    'Unowned shards',
    'Failed tasks',
    'Stuck workers',
    'Process memory',
    'Record buffer',
    'Copy progress',
  ]) {
    assert.ok(titles.includes(title), `panel "${title}"`);
  }
  for (const panel of panels) {
    assert.ok(typeof panel.gridPos === 'object' && panel.gridPos !== null, `${String(panel.title)}: gridPos`);
    if (panel.type === 'row') continue;
    assert.equal(panel.datasource?.uid, DS, `panel ${String(panel.title)}: datasource`);
    assert.ok((panel.targets ?? []).length > 0, `panel ${String(panel.title)}: targets`);
    for (const target of panel.targets ?? []) assert.equal(target.datasource?.uid, DS);
  }
});

test('the rules are Prometheus alerting rules, each saying what to check', () => {
  const all = rules();
  const names = all.map((rule) => rule.alert);
  for (const alert of [
    'DdbReplicatorLagHigh',
    'DdbReplicatorShardsUnowned',
    'DdbReplicatorTaskFailed',
    'DdbReplicatorDestinationRetriesHigh',
    'DdbReplicatorStuck',
  ]) {
    assert.ok(names.includes(alert), alert);
  }
  assert.equal(new Set(names).size, names.length, 'alert names unique');
  for (const rule of all) {
    const name = String(rule.alert);
    assert.match(name, /^[A-Za-z_]\w*$/);
    assert.equal(typeof rule.expr, 'string', `${name}: expr`);
    if (rule.for !== undefined) {
      assert.ok(typeof rule.for === 'string' && /^\d+[smh]$/.test(rule.for), `${name}: for`);
    }
    assert.match(String(rule.labels?.severity), /^(warning|critical)$/, `${name}: severity`);
    assert.equal(typeof rule.annotations?.summary, 'string', `${name}: summary`);
    assert.match(
      String(rule.annotations?.description),
      /ddb-replicator status .*--check/,
      `${name}: description`,
    );
  }
  const byName = new Map(all.map((rule) => [rule.alert, rule]));
  assert.equal(byName.get('DdbReplicatorLagHigh')?.for, '5m');
  assert.equal(byName.get('DdbReplicatorShardsUnowned')?.for, '2m');
});

const fixtures: ReplicationFixture[] = [];
const workers: ReplicatorProcess[] = [];
after(async () => {
  await Promise.all(workers.map((w) => w.kill()));
  await Promise.all(fixtures.map((f) => f.cleanup()));
});

test('every metric the dashboard and the rules query is exported by a running worker', async () => {
  const fixture = await createFixture({ prefix: 'dash' });
  fixtures.push(fixture);
  // Copied by the bootstrap copy (for the copy metrics), then replicated from the stream.
  await writeBacklog(fixture.source, fixture.sourceTable, 30, 'copied');
  const [, ...flags] = fixture.args([
    ...['--worker-id', 'dash-worker', '--failover-ms', '3000', '--metrics-port', '0'],
    ...['--bootstrap', '--segments', '2'],
  ]);
  const worker = new ReplicatorProcess(['replicate', ...flags]);
  workers.push(worker);
  const served = await worker.waitForLog('serving /metrics and /healthz');
  await worker.waitForLog('bootstrap copy done', { timeoutMs: 60_000 });
  await worker.waitForLog('shard reading');
  await writeBacklog(fixture.source, fixture.sourceTable, 10, 'streamed');
  await assertTablesConverge(fixture);

  const scrape = async (): Promise<string> =>
    (await fetch(`http://127.0.0.1:${String(served.port)}/metrics`)).text();
  // The lag gauge has a shard once a read was recorded, the unowned one after the first look at the lease table.
  const text = await waitFor(
    'lag and unowned shards in /metrics',
    async () => {
      const body = await scrape();
      const task = `task="${fixture.taskName}"`;
      return body.includes(`ddb_replicator_shard_behind_seconds{${task},`) &&
        body.includes(`ddb_replicator_fleet_unowned_shards{${task}} 0`)
        ? body
        : undefined;
    },
    { timeoutMs: 20_000, intervalMs: 200 },
  );
  const exported = exportedNames(text);
  const missing: string[] = [];
  const queried = new Set<string>();
  for (const { where, expr } of queries()) {
    const names = metricNames(expr);
    assert.ok(names.length > 0, `${where}: no metric in ${expr}`);
    for (const name of names) {
      queried.add(name);
      if (!exported.has(name)) missing.push(`${name} (${where})`);
    }
  }
  assert.deepEqual(missing, [], 'queried but not exported');

  // Exported with a sample, not only declared: the families the worker had something to say about. A labelled
  // counter shows no sample before its first count, and this healthy run retries nothing.
  const noSampleYet = new Set(['ddb_replicator_retries_total']);
  for (const name of queried) {
    const family = exported.get(name) ?? name;
    if (noSampleYet.has(family)) continue;
    assert.match(text, new RegExp(`^${name}(\\{[^}]*\\})? `, 'm'), `a sample of ${name}`);
  }
  const task = fixture.taskName;
  assert.match(text, new RegExp(`^ddb_replicator_copy_items_total\\{task="${task}"\\} 30$`, 'm'));
  assert.match(text, new RegExp(`^ddb_replicator_copy_fleet_items\\{task="${task}"\\} 30$`, 'm'));
  assert.match(text, new RegExp(`^ddb_replicator_copy_estimated_items\\{task="${task}"\\} \\d+$`, 'm'));
  assert.match(text, /^ddb_replicator_stuck 0$/m);
  assert.match(text, /^ddb_replicator_ready 1$/m);
  assert.match(text, /^ddb_replicator_buffer_limit_bytes [1-9]\d*$/m);

  assert.equal((await worker.stop()).code, 0, worker.describe());
  assert.deepEqual(worker.errors(), [], worker.describe());
});
