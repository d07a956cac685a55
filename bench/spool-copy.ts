// Stage spool (issue 20): `replicate --bootstrap` of the benchmark's table under a steady write load, with
// `--copy-mode spool` against `--copy-mode direct`, alternated in one run on fresh instances each. The same load
// in both (same keys, same rate, the same LOAD_MS from the process's start, while the copy runs). Per run: the
// time from the process's start until the copy handed over (direct: `bootstrap copy done`; spool: its spool
// deleted) and until the destination equals the source, and every SDK request the process sent, by operation and
// table (the trace hook, trace-hook.ts), per key the load changed. The difference of the two modes per changed
// key is what spooling costs in requests.
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  type DynamoDBClient,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { sleep } from '../src/util/sleep.js';
import { DEST_TABLE, prepareBacklog, SOURCE_TABLE } from './backlog.js';
import { readTrace } from './call-span.js';
import { countItems } from './catch-up.js';
import { DEST_REGION, makeItem, SOURCE_REGION, type Item } from './items.js';
import { ratio, table } from './report.js';
import { childEnv, now, ReplicatorChild } from './replicator-child.js';
import type { BenchStage, StageContext, StageResult } from './stage.js';

const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));
type Mode = 'direct' | 'spool';

/** The steady load: puts to random keys of the table (a tenth new keys), in batches every TICK_MS. */
const TICK_MS = 100;
/** How long the load runs from the process's start: about as long as the direct copy takes here. */
const LOAD_MS = 20_000;

interface Load {
  /** Stops the load and resolves once its last batch is answered. */
  stop(): Promise<void>;
  readonly writes: () => number;
  /** Each changed key's last version. */
  readonly last: ReadonlyMap<string, number>;
}

function steadyLoad(client: DynamoDBClient, keys: number, rate: number, signal: AbortSignal): Load {
  const last = new Map<string, number>();
  let version = 0;
  let seed = 12345;
  const random = (): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const stop = new AbortController();
  const both = AbortSignal.any([signal, stop.signal]);
  const perTick = Math.max(1, Math.round((rate * TICK_MS) / 1000));
  const running = (async () => {
    const started = performance.now();
    for (let tick = 0; !both.aborted; tick++) {
      await sleep(started + tick * TICK_MS - performance.now(), both);
      if (both.aborted) break;
      const batch = new Map<string, Item>();
      while (batch.size < perTick) {
        const index = random() < 0.1 ? keys + Math.floor(random() * keys) : Math.floor(random() * keys);
        const item = makeItem(index);
        version += 1;
        item.ver = { N: String(version) };
        const key = item.pk?.S ?? '';
        batch.set(key, item);
        last.set(key, version);
      }
      let pending: WriteRequest[] = [...batch.values()].map((Item) => ({ PutRequest: { Item } }));
      while (pending.length > 0) {
        const out = await client.send(
          new BatchWriteItemCommand({ RequestItems: { [SOURCE_TABLE]: pending } }),
        );
        pending = out.UnprocessedItems?.[SOURCE_TABLE] ?? [];
      }
    }
  })();
  return {
    stop: async () => {
      stop.abort();
      await running;
    },
    writes: () => version,
    last,
  };
}

/** Whether the destination holds every changed key's last version and as many items as the source. */
async function equal(
  source: DynamoDBClient,
  dest: DynamoDBClient,
  last: ReadonlyMap<string, number>,
  signal: AbortSignal,
): Promise<boolean> {
  const [a, b] = await Promise.all([
    countItems(source, SOURCE_TABLE, signal),
    countItems(dest, DEST_TABLE, signal),
  ]);
  if (a !== b) return false;
  const keys = [...last.keys()];
  for (let i = 0; i < keys.length; i += 100) {
    let wanted = keys.slice(i, i + 100).map((pk) => ({ pk: { S: pk } }));
    while (wanted.length > 0) {
      const out = await dest.send(
        new BatchGetItemCommand({
          RequestItems: {
            [DEST_TABLE]: { Keys: wanted, ConsistentRead: true, ProjectionExpression: 'pk, ver' },
          },
        }),
        { abortSignal: signal },
      );
      for (const item of out.Responses?.[DEST_TABLE] ?? []) {
        if (Number(item.ver?.N) !== last.get(item.pk?.S ?? '')) return false;
      }
      const got = out.Responses?.[DEST_TABLE]?.length ?? 0;
      const unprocessed = out.UnprocessedKeys?.[DEST_TABLE]?.Keys ?? [];
      if (got + unprocessed.length < wanted.length) return false;
      wanted = unprocessed as typeof wanted;
    }
  }
  return true;
}

interface ModeRun {
  readonly mode: Mode;
  readonly items: number;
  readonly writes: number;
  readonly changedKeys: number;
  /** Process start to the copy's hand-over, and to equal tables. */
  readonly handOverMs: number;
  readonly equalMs: number;
  /** SDK requests by `operation table-role`. */
  readonly requests: Record<string, number>;
  readonly totalRequests: number;
}

function role(op: string, table: string, task: string): string {
  if (table === '') return op === 'TransactWriteItems' ? 'lease' : 'stream';
  if (table === SOURCE_TABLE) return 'source';
  if (table === DEST_TABLE) return 'destination';
  if (table.endsWith('-spool')) return 'spool';
  if (table.includes(task)) return 'lease';
  return table;
}

async function measureMode(
  ctx: StageContext,
  mode: Mode,
  sizes: { records: number; warmupItems: number; rate: number; loadMs: number },
): Promise<ModeRun> {
  const backlog = await prepareBacklog(`spool ${mode}`, sizes, ctx.lifetime, ctx.log);
  const signal = ctx.lifetime.signal;
  try {
    const { source, dest } = backlog;
    const task = `benchspool${mode}${Date.now()}`;
    mkdirSync(ctx.outDir, { recursive: true });
    const traceFile = join(ctx.outDir, `trace-spool-${mode}-${Date.now()}.json`);
    const load = steadyLoad(backlog.sourceClient, sizes.records, sizes.rate, signal);
    const child = new ReplicatorChild(
      [
        'replicate',
        ...['--bootstrap', '--copy-mode', mode],
        ...['--source-table', SOURCE_TABLE, '--source-region', SOURCE_REGION],
        ...['--source-endpoint', source.endpoint],
        ...['--dest-table', DEST_TABLE, '--dest-region', DEST_REGION, '--dest-endpoint', dest.endpoint],
        ...['--task-name', task, '--log-format', 'json', '--progress-interval-ms', '0'],
      ],
      {
        nodeArgs: ['--import', join(BENCH_DIR, 'trace-hook.js')],
        env: childEnv({ BENCH_TRACE_FILE: traceFile }),
        target: Infinity,
        lifetime: ctx.lifetime,
      },
    );
    const handOver = mode === 'direct' ? 'bootstrap copy done' : 'spool table deleted';
    const deadline = performance.now() + 600_000;
    const waitFor = async (what: string, check: () => Promise<boolean> | boolean): Promise<number> => {
      while (!(await check())) {
        if (!child.running)
          throw new Error(`replicator exited before ${what}: ${child.problems().join('\n')}`);
        if (performance.now() > deadline || signal.aborted) throw new Error(`no ${what} within 10 minutes`);
        await sleep(200, signal);
      }
      return now();
    };
    let equalAt: number;
    let handOverAt: number;
    try {
      await waitFor('the load to end', () => now() - child.startedAt >= sizes.loadMs);
      await load.stop();
      handOverAt = await waitFor(handOver, () => child.first(handOver) !== undefined);
      handOverAt = child.first(handOver)?.at ?? handOverAt;
      equalAt = await waitFor('equal tables', () =>
        equal(backlog.sourceClient, backlog.destClient, load.last, signal),
      );
    } finally {
      await load.stop();
      await child.stop();
    }
    const trace = readTrace(traceFile);
    if (trace === undefined) throw new Error('the replicator left no trace');
    const requests: Record<string, number> = {};
    for (const call of trace.calls) {
      const key = `${call[0]} ${role(call[0], call[1], task)}`;
      requests[key] = (requests[key] ?? 0) + 1;
    }
    const items = await countItems(backlog.sourceClient, SOURCE_TABLE, signal);
    return {
      mode,
      items,
      writes: load.writes(),
      changedKeys: load.last.size,
      handOverMs: Math.round(handOverAt - child.startedAt),
      equalMs: Math.round(equalAt - child.startedAt),
      requests,
      totalRequests: trace.calls.length,
    };
  } finally {
    await backlog.close();
  }
}

async function run(ctx: StageContext): Promise<StageResult> {
  const records = ctx.quick ? 5_000 : ctx.records;
  const rate = 200;
  const rounds = ctx.quick ? 1 : 2;
  const sizes = { records, warmupItems: ctx.quick ? 500 : 4_000, rate, loadMs: ctx.quick ? 5_000 : LOAD_MS };
  const loadBefore = loadavg();
  const runs: ModeRun[] = [];
  // Alternated (direct, spool, spool, direct), so that a drift of the machine's load falls on both alike.
  const order: Mode[] = rounds === 1 ? ['direct', 'spool'] : ['direct', 'spool', 'spool', 'direct'];
  for (const mode of order) {
    ctx.log(`spool: ${mode} copy of ${records} items under ${rate} writes/s`);
    const r = await measureMode(ctx, mode, sizes);
    ctx.log(
      `spool: ${mode}: hand-over ${r.handOverMs} ms, equal ${r.equalMs} ms, ${r.totalRequests} requests, ${r.changedKeys} keys changed (load ${loadavg()[0]?.toFixed(2)})`,
    );
    runs.push(r);
  }
  const loadAfter = loadavg();
  const mean = (mode: Mode, pick: (r: ModeRun) => number): number => {
    const of = runs.filter((r) => r.mode === mode);
    return of.reduce((a, r) => a + pick(r), 0) / of.length;
  };
  const perKey = (r: ModeRun, kind?: string): number =>
    (kind === undefined
      ? r.totalRequests
      : Object.entries(r.requests)
          .filter(([k]) => k === kind)
          .reduce((a, [, n]) => a + n, 0)) / r.changedKeys;
  const kinds = [...new Set(runs.flatMap((r) => Object.keys(r.requests)))].sort();
  const extra = mean('spool', (r) => perKey(r)) - mean('direct', (r) => perKey(r));
  const lines = [
    table(
      [
        'run',
        'items',
        'writes',
        'keys changed',
        'hand-over s',
        'equal s',
        'requests',
        'requests/changed key',
      ],
      runs.map((r) => [
        r.mode,
        r.items,
        r.writes,
        r.changedKeys,
        (r.handOverMs / 1000).toFixed(1),
        (r.equalMs / 1000).toFixed(1),
        r.totalRequests,
        perKey(r).toFixed(2),
      ]),
    ),
    table(
      ['requests per changed key (mean of runs)', 'direct', 'spool', 'extra'],
      kinds
        .map((kind) => {
          const d = mean('direct', (r) => perKey(r, kind));
          const s = mean('spool', (r) => perKey(r, kind));
          return [kind, d.toFixed(3), s.toFixed(3), (s - d).toFixed(3)];
        })
        .filter((row) => row[1] !== '0.000' || row[2] !== '0.000'),
    ),
    `  time to equal tables: spool ${(mean('spool', (r) => r.equalMs) / 1000).toFixed(1)} s against direct ${(mean('direct', (r) => r.equalMs) / 1000).toFixed(1)} s (ratio ${ratio(
      mean('spool', (r) => r.equalMs),
      mean('direct', (r) => r.equalMs),
    ).toFixed(2)}); default --failover-ms 10000 (spool waits it three times)`,
    `  extra requests per changed key, spool against direct: ${extra.toFixed(2)} (all requests of the process, by the trace hook; the same load of ${sizes.loadMs / 1000} s at ${rate} writes/s from the process's start in every run)`,
    `  load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' ')}`,
  ];
  return {
    lines,
    figures: {
      records,
      rate,
      runs,
      extraRequestsPerChangedKey: extra,
      loadavgBefore: loadBefore,
      loadavgAfter: loadAfter,
    },
  };
}

export const SPOOL_STAGE: BenchStage = {
  name: 'spool',
  title: 'spool-mode copy against a direct copy under a steady write load (issue 20)',
  run,
};
