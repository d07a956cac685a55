// Stage verify (issue 5): how fast `ddb-replicator verify` compares two equal tables of N items, against a bare
// parallel Scan of both tables (same segment count, both at once): the least reading both tables costs here.
// Verify also looks every scanned page up on the other side (BatchGetItem: source items in the destination,
// destination keys in the source), so a bare "scan + BatchGetItem" of both tables shows where its time goes.
// Two fresh instances, loaded once with the same items (reads change nothing, so every measurement reads the
// same tables), a scan of both first so that none of the timed runs pays for a cold table. Rates are items
// compared per second (N / time), for the bare figures too; verify's runs from its first Scan sent to its last
// read answered (no process startup, no DescribeTable), its exit code must be 0 (tables equal).
import {
  BatchGetItemCommand,
  type BatchGetItemCommandOutput,
  type DynamoDBClient,
  type KeysAndAttributes,
} from '@aws-sdk/client-dynamodb';
import { setMaxListeners } from 'node:events';
import { loadavg } from 'node:os';
import { defaultSegments } from '../src/scan/scan-segment.js';
import { createTable } from '../src/local/local-tables.js';
import { loadItems } from './batch-loader.js';
import { callSpan, opTimes } from './call-span.js';
import { startInstance, warmUp, type BenchInstance } from './instances.js';
import {
  benchClient,
  DEST_REGION,
  itemSizeBytes,
  makeItem,
  putRequests,
  SOURCE_REGION,
  TABLE_KEY,
} from './items.js';
import { parallelScan, type ScannedItem } from './parallel-scan.js';
import { median } from './percentiles.js';
import { ratio, table } from './report.js';
import { coresDuring, runCli } from './run-cli.js';
import type { BenchStage, StageContext, StageResult } from './stage.js';

const SOURCE_TABLE = 'bench-verify-source';
const DEST_TABLE = 'bench-verify-dest';

interface Row {
  readonly label: string;
  readonly ms: number;
  readonly itemsPerSec: number;
  readonly totalMs?: number;
  readonly cores?: Record<string, number>;
  readonly details?: Record<string, unknown>;
  readonly round?: number;
}

interface Tables {
  readonly source: BenchInstance;
  readonly dest: BenchInstance;
  readonly sourceClient: DynamoDBClient;
  readonly destClient: DynamoDBClient;
}

/** Looks `items`' keys up in `table`, 100 a request, all at once, UnprocessedKeys asked again. */
async function lookUp(
  client: DynamoDBClient,
  tableName: string,
  items: readonly ScannedItem[],
  keysOnly: boolean,
  signal: AbortSignal,
): Promise<number> {
  const requests: Promise<number>[] = [];
  for (let i = 0; i < items.length; i += 100) {
    const keys = items.slice(i, i + 100).map((item) => ({ pk: item.pk! }));
    requests.push(
      (async () => {
        let found = 0;
        let pending: KeysAndAttributes['Keys'] = keys;
        for (let attempt = 0; pending !== undefined && pending.length > 0; attempt++) {
          if (attempt > 30) throw new Error('bare lookup: keys not read after 30 attempts');
          const out: BatchGetItemCommandOutput = await client.send(
            new BatchGetItemCommand({
              RequestItems: {
                [tableName]: {
                  Keys: pending,
                  ...(keysOnly
                    ? { ProjectionExpression: '#k', ExpressionAttributeNames: { '#k': 'pk' } }
                    : {}),
                },
              },
            }),
            { abortSignal: signal },
          );
          found += out.Responses?.[tableName]?.length ?? 0;
          pending = out.UnprocessedKeys?.[tableName]?.Keys;
        }
        return found;
      })(),
    );
  }
  return (await Promise.all(requests)).reduce((a, b) => a + b, 0);
}

/** Both tables scanned at once; with `lookups`, each page looked up on the other side as verify does. */
async function bareRun(
  tables: Tables,
  options: { segments: number; lookups: boolean; records: number; signal: AbortSignal },
): Promise<number> {
  const { sourceClient, destClient } = tables;
  let found = 0;
  const started = performance.now();
  const [sourceItems, destItems] = await Promise.all([
    parallelScan({
      client: sourceClient,
      table: SOURCE_TABLE,
      segments: options.segments,
      signal: options.signal,
      ...(options.lookups
        ? {
            onPage: async (items) => {
              // Not `found += await`: that reads found before the wait and loses the other pages' counts.
              const n = await lookUp(destClient, DEST_TABLE, items, false, options.signal);
              found += n;
            },
          }
        : {}),
    }),
    parallelScan({
      client: destClient,
      table: DEST_TABLE,
      segments: options.segments,
      signal: options.signal,
      ...(options.lookups
        ? {
            onPage: async (items) => {
              // Not `found += await`: that reads found before the wait and loses the other pages' counts.
              const n = await lookUp(sourceClient, SOURCE_TABLE, items, true, options.signal);
              found += n;
            },
          }
        : {}),
    }),
  ]);
  const ms = performance.now() - started;
  if (sourceItems !== options.records || destItems !== options.records) {
    throw new Error(`bare scan read ${sourceItems} and ${destItems} items, expected ${options.records} each`);
  }
  if (options.lookups && found !== 2 * options.records) {
    throw new Error(`bare lookups found ${found} of ${2 * options.records} items`);
  }
  return ms;
}

async function prepare(ctx: StageContext, records: number, warmupItems: number): Promise<Tables> {
  const started = await Promise.allSettled([
    startInstance('verify source', ctx.lifetime),
    startInstance('verify destination', ctx.lifetime),
  ]);
  const [s, d] = started;
  if (s.status !== 'fulfilled' || d.status !== 'fulfilled') {
    for (const one of started) if (one.status === 'fulfilled') await one.value.stop();
    throw started.find((one) => one.status === 'rejected')?.reason;
  }
  const source = s.value;
  const dest = d.value;
  const sourceClient = benchClient(source.endpoint, SOURCE_REGION);
  const destClient = benchClient(dest.endpoint, DEST_REGION);
  const signal = ctx.lifetime.signal;
  try {
    await Promise.all([
      warmUp(source, SOURCE_REGION, { items: warmupItems, stream: false, signal }),
      warmUp(dest, DEST_REGION, { items: warmupItems, stream: false, signal }),
    ]);
    await Promise.all([
      createTable(sourceClient, SOURCE_TABLE, TABLE_KEY),
      createTable(destClient, DEST_TABLE, TABLE_KEY),
    ]);
    // One array for both tables: makeItem stamps the time, so items made twice would differ.
    const requests = putRequests(records);
    await Promise.all([
      loadItems(sourceClient, SOURCE_TABLE, requests, { concurrency: 8, signal }),
      loadItems(destClient, DEST_TABLE, requests, { concurrency: 8, signal }),
    ]);
    return { source, dest, sourceClient, destClient };
  } catch (err) {
    sourceClient.destroy();
    destClient.destroy();
    await Promise.all([source.stop(), dest.stop()]);
    throw err;
  }
}

async function measureVerify(
  ctx: StageContext,
  tables: Tables,
  records: number,
  extraArgs: readonly string[],
): Promise<Row> {
  const args = [
    'verify',
    ...['--source-table', SOURCE_TABLE, '--source-region', SOURCE_REGION],
    ...['--source-endpoint', tables.source.endpoint],
    ...['--dest-table', DEST_TABLE, '--dest-region', DEST_REGION, '--dest-endpoint', tables.dest.endpoint],
    '--json',
    ...extraArgs,
  ];
  const run = await runCli(args, {
    name: 'verify',
    lifetime: ctx.lifetime,
    outDir: ctx.outDir,
    timeoutMs: 120_000 + records * 10,
    pids: new Map([
      ['sourceJvm', tables.source.pid],
      ['destJvm', tables.dest.pid],
    ]),
    profile: process.env.BENCH_STAGE_PROFILE === '1',
  });
  // 0: the tables are equal, as they are; anything else is a verify bug or a failed run.
  if (run.exit !== '0') throw new Error(`verify exited with ${run.exit}: ${run.child.problems().join('\n')}`);
  const trace = run.trace;
  const span =
    trace === undefined ? undefined : callSpan(trace, (c) => c[0] === 'Scan' || c[0] === 'BatchGetItem');
  if (trace === undefined || span === undefined) throw new Error('verify left no trace of its reads');
  const totalMs = run.endedAt - run.startedAt;
  return {
    label: `verify CLI${extraArgs.length === 0 ? ' (defaults)' : ` ${extraArgs.join(' ')}`}`,
    ms: Math.round(span.ms),
    itemsPerSec: Math.round((records * 1000) / span.ms),
    totalMs: Math.round(totalMs),
    cores: coresDuring(run, span.from, span.to),
    details: {
      args: extraArgs,
      firstScanMs: Math.round(span.from - run.startedAt),
      lastReadToExitMs: Math.round(run.endedAt - span.to),
      sdkCalls: opTimes(trace, (c) => c[2] >= span.from),
      ...(run.profileFile === undefined ? {} : { profile: run.profileFile }),
    },
  };
}

/** Verify needs a table large enough to read for seconds: at 50,000 items a run lasts about a second. */
const MIN_RECORDS = 200_000;

async function run(ctx: StageContext): Promise<StageResult> {
  const records = ctx.quick ? ctx.records : Math.max(ctx.records, MIN_RECORDS);
  const warmupItems = ctx.quick ? 500 : 4_000;
  // Bare scans of the same tables vary by a quarter from one run to the next here (two JVMs and this process on
  // two cores): rounds alternate the bare scan and verify, and the ratio compares their medians.
  const rounds = ctx.quick ? 1 : 3;
  const signal = ctx.lifetime.signal;
  setMaxListeners(0, signal);
  const loadBefore = loadavg();
  ctx.log(`verify: two equal tables of ${records} items, ${rounds} rounds of bare scan then verify`);
  const tables = await prepare(ctx, records, warmupItems);
  try {
    // What verify picks by default for tables this size; the bare runs use the same.
    const segments = defaultSegments(records * itemSizeBytes(makeItem(0)));
    const bare = async (label: string, lookups: boolean): Promise<Row> => {
      const ms = await bareRun(tables, { segments, lookups, records, signal });
      const row = { label, ms: Math.round(ms), itemsPerSec: Math.round((records * 1000) / ms) };
      ctx.log(`verify: ${label}: ${row.itemsPerSec} items/s`);
      return row;
    };
    await bareRun(tables, { segments, lookups: true, records, signal }); // untimed: warms both tables
    const scanLabel = `bare parallel scan of both tables (${segments} segments each)`;
    const rows: Row[] = [];
    for (let round = 1; round <= rounds; round++) {
      rows.push(await bare(`${scanLabel}, round ${round}`, false));
      rows.push({ ...(await measureVerify(ctx, tables, records, [])), round });
      ctx.log(`verify: CLI, round ${round}: ${rows.at(-1)?.itemsPerSec} items/s`);
    }
    rows.push(
      await bare(`bare scan + BatchGetItem of the other side, both tables (${segments} segments)`, true),
    );
    const scans = rows.filter((r) => r.label.startsWith('bare parallel scan'));
    const verifies = rows.filter((r) => r.label.startsWith('verify CLI'));
    const ceiling = median(scans.map((r) => r.itemsPerSec));
    const verifyMedian = median(verifies.map((r) => r.itemsPerSec));
    const withLookups = rows.find((r) => r.label.startsWith('bare scan + BatchGetItem'));
    const loadAfter = loadavg();
    const fmtCores = (c: Record<string, number> | undefined): string =>
      c === undefined
        ? '-'
        : Object.entries(c)
            .map(([k, v]) => `${k} ${v.toFixed(2)}`)
            .join(', ');
    const lines = [
      table(
        ['run', 'ms', 'items/s', 'vs bare scan', 'total ms', 'cores while reading'],
        rows.map((r) => [
          r.label,
          r.ms,
          r.itemsPerSec,
          ratio(r.itemsPerSec, ceiling).toFixed(2),
          r.totalMs ?? '-',
          fmtCores(r.cores),
        ]),
      ),
      `  items/s: ${records} items compared (each table holds them) per second; medians of ${rounds} rounds: bare scan ${Math.round(ceiling)}, verify ${Math.round(verifyMedian)} items/s`,
      `  verify ms: first Scan sent to last read answered; total: process start to exit (exit code 0 checked)`,
    ];
    const r = ratio(verifyMedian, ceiling);
    lines.push(
      `  target: verify at >= 0.8 of the bare parallel scan (medians): ${r.toFixed(2)} (${r >= 0.8 ? 'met' : 'missed'}), rounds ${verifies
        .map((v, i) => ratio(v.itemsPerSec, scans[i]?.itemsPerSec ?? ceiling).toFixed(2))
        .join(', ')}` +
        (withLookups === undefined
          ? ''
          : `; verify against bare scan + BatchGetItem: ${ratio(verifyMedian, withLookups.itemsPerSec).toFixed(2)}`),
    );
    lines.push(
      `  load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' ')}`,
    );
    return {
      lines,
      figures: {
        records,
        segments,
        rounds,
        bareScanItemsPerSec: Math.round(ceiling),
        verifyItemsPerSec: Math.round(verifyMedian),
        verifyToBareScan: ratio(verifyMedian, ceiling),
        rows: rows.map((r) => ({ ...r, ratioToBareScan: ratio(r.itemsPerSec, ceiling) })),
        loadavgBefore: loadBefore,
        loadavgAfter: loadAfter,
      },
    };
  } finally {
    tables.sourceClient.destroy();
    tables.destClient.destroy();
    await Promise.all([tables.source.stop(), tables.dest.stop()]);
  }
}

export const VERIFY_STAGE: BenchStage = {
  name: 'verify',
  title: 'verify (CLI) against a bare parallel scan of both tables and a bare scan + BatchGetItem',
  run,
};
