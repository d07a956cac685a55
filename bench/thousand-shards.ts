// Stage `thousand`: issue 17, a thousand shards simulated. The stream server serves 1,000 shards (a split every few
// seconds, a steady trickle of records) to 8 worker processes sharing one lease table in DynamoDB Local, each
// through its own counting proxy (lease-request-proxy.ts). The fleet goes through four changes: a cold start, a
// 9th worker joining, one stopped (SIGTERM), one killed (SIGKILL). For each: the time until every lease to read is
// owned by a live worker, and until the fleet is balanced (lease-ownership.ts), and the longest time any shard
// went without a GetRecords (unread-tracker.ts). In a steady window (trickle on) and an idle one (no records, no
// splits): lease-table requests per worker against its leases' renewals, RSS per worker, GetRecords a second.
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { createTable } from '../src/local/local-tables.js';
import { leaseTiming } from '../src/lease/lease-timing.js';
import { sleep } from '../src/util/sleep.js';
import type { KeySchemaEntry } from '../tests/support/stream-server/stream-model.js';
import { StreamServer } from '../tests/support/stream-server/stream-server.js';
import { DEST_TABLE, SOURCE_TABLE } from './backlog.js';
import { keepWorkerLogs, warnings } from './fleet-drain.js';
import { startInstance, warmUp } from './instances.js';
import { benchClient, DEST_REGION, makeItem, SOURCE_REGION, TABLE_KEY } from './items.js';
import {
  isAllOwned,
  isBalanced,
  maxPerWorker,
  OwnershipSampler,
  type OwnershipSample,
} from './lease-ownership.js';
import { countsBetween, LeaseRequestProxies } from './lease-request-proxy.js';
import { CpuMeter, memoryStatus } from './proc-stats.js';
import { childEnv, ReplicatorChild } from './replicator-child.js';
import type { BenchStage, StageContext, StageResult } from './stage.js';
import {
  describeThousand,
  type PhaseResult,
  type Sizes,
  type WindowResult,
} from './thousand-shards-report.js';
import { UnreadTracker } from './unread-tracker.js';

const FAILOVER_MS = 10_000;
const FULL: Sizes = {
  shards: 1000,
  workers: 8,
  recordsPerSec: 50,
  splitEveryMs: 10_000,
  phaseTimeoutMs: 120_000,
  holdMs: 5_000,
  steadyMs: 30_000,
  idleSettleMs: 10_000,
  idleMs: 20_000,
  failoverMs: FAILOVER_MS,
};
const QUICK: Sizes = {
  ...FULL,
  shards: 60,
  workers: 3,
  recordsPerSec: 10,
  splitEveryMs: 5_000,
  phaseTimeoutMs: 60_000,
  holdMs: 3_000,
  steadyMs: 10_000,
  idleSettleMs: 5_000,
  idleMs: 10_000,
};
/**
 * The workers' log level; BENCH_WORKER_LOG_LEVEL=debug keeps every retry with its error in the worker logs
 * (bench-results/thousand-<task>-w<N>.log), which is how a long unread gap is traced to its cause.
 */
const WORKER_LOG_LEVEL = process.env.BENCH_WORKER_LOG_LEVEL ?? 'info';
/** Gaps between reads of a shard shorter than this are not kept (an idle shard is read about once a second). */
const GAP_THRESHOLD_MS = 2_000;
const SAMPLE_MS = 500;

async function run(ctx: StageContext): Promise<StageResult> {
  const { lifetime, log } = ctx;
  const signal = lifetime.signal;
  const sizes = ctx.quick ? QUICK : FULL;
  const names = Array.from({ length: sizes.workers + 1 }, (_, i) => `w${i + 1}`);
  const instance = await startInstance('thousand shards (source, lease table, destination)', lifetime);
  const client = benchClient(instance.endpoint, SOURCE_REGION);
  const destClient = benchClient(instance.endpoint, DEST_REGION);
  const children = new Map<string, ReplicatorChild>();
  const live = new Set<string>();
  const timers: NodeJS.Timeout[] = [];
  let sampler: OwnershipSampler | undefined;
  try {
    await warmUp(instance, SOURCE_REGION, { items: 500, stream: false, signal });
    await createTable(client, SOURCE_TABLE, TABLE_KEY, 'NEW_AND_OLD_IMAGES');
    await createTable(destClient, DEST_TABLE, TABLE_KEY);
    const { Table: table } = await client.send(new DescribeTableCommand({ TableName: SOURCE_TABLE }));
    const streamArn = table?.LatestStreamArn;
    if (streamArn === undefined) throw new Error(`${SOURCE_TABLE} has no stream`);
    const keySchema: KeySchemaEntry[] = (table?.KeySchema ?? []).map((k) => ({
      AttributeName: k.AttributeName ?? '?',
      KeyType: k.KeyType === 'RANGE' ? 'RANGE' : 'HASH',
    }));
    // No access log entries kept: ~1,000 GetRecords a second; counts and the tracker are enough.
    const server = await StreamServer.start({ accessLogLimit: 0 });
    lifetime.own(
      'stream server',
      () => server.close(),
      () => undefined,
    );
    const model = server.createStream({ streamArn, keySchema, shards: sizes.shards });
    const tracker = new UnreadTracker(server, model, GAP_THRESHOLD_MS);
    const proxies = await LeaseRequestProxies.start(instance.endpoint, names, lifetime);

    // The trickle and the splits run until the idle window.
    let next = 0;
    let splits = 0;
    const perTick = sizes.recordsPerSec / 10;
    let owed = 0;
    timers.push(
      setInterval(() => {
        owed += perTick;
        for (; owed >= 1; owed -= 1) {
          const item = makeItem(next++, 'trickle');
          model.append({ pk: item.pk! }, item);
        }
      }, 100),
      setInterval(() => {
        const open = model.openShards();
        const shard = open[Math.floor(Math.random() * open.length)];
        if (shard === undefined) return;
        model.split(shard.shardId);
        splits += 1;
      }, sizes.splitEveryMs),
    );

    const task = `thousand${Date.now()}`;
    const leaseTable = `DynamoDBCrossRegionReplication${task}`;
    const spawn = (id: string): void => {
      const args = [
        'replicate',
        ...['--source-table', SOURCE_TABLE, '--source-region', SOURCE_REGION],
        ...['--source-endpoint', instance.endpoint, '--source-streams-endpoint', server.url],
        ...['--dest-table', DEST_TABLE, '--dest-region', DEST_REGION, '--dest-endpoint', instance.endpoint],
        ...['--lease-endpoint', proxies.url(id), '--task-name', task, '--worker-id', id],
        ...['--failover-ms', String(sizes.failoverMs)],
        ...['--log-level', WORKER_LOG_LEVEL, '--log-format', 'json', '--progress-interval-ms', '0'],
      ];
      children.set(
        id,
        new ReplicatorChild(args, {
          nodeArgs: [],
          env: childEnv(),
          target: Number.MAX_SAFE_INTEGER,
          lifetime,
        }),
      );
      live.add(id);
    };
    sampler = new OwnershipSampler(client, leaseTable, () => live, SAMPLE_MS, signal);
    const notes: string[] = [];
    const phases: PhaseResult[] = [];
    const ourPids = (): Map<string, number> =>
      new Map([
        ...[...children].map(([id, c]): [string, number] => [id, c.pid]),
        ['jvm', instance.pid],
        ['bench', process.pid],
        ['proxies', proxies.pid],
      ]);
    const phase = async (name: string, change: () => void): Promise<void> => {
      const before = await proxies.counts();
      const had = new Set(children.keys());
      const loop = performance.eventLoopUtilization();
      const changeAt = Date.now();
      change();
      const meter = new CpuMeter(ourPids());
      log(`thousand: ${name}: waiting for the fleet to balance (${[...live].join(' ')})`);
      const result = await awaitBalance(name, changeAt);
      const cpu = meter.read();
      const requests: Record<string, number> = {};
      for (const kinds of Object.values(countsBetween(before, await proxies.counts()))) {
        for (const [kind, n] of Object.entries(kinds)) requests[kind] = (requests[kind] ?? 0) + n;
      }
      // Spawn to the 'replicating' line: startup checks and the first shard sync (which creates the leases).
      const startupMs: Record<string, number> = {};
      for (const [id, child] of children) {
        const ready = child.first('replicating');
        if (!had.has(id) && ready !== undefined) startupMs[id] = Math.round(ready.at - child.startedAt);
      }
      phases.push({
        ...result,
        standInElu: performance.eventLoopUtilization(loop).utilization,
        requests,
        startupMs,
        cores: {
          workers: sumCores(cpu.cores, [...children.keys()]),
          jvm: cpu.cores.jvm ?? 0,
          bench: cpu.cores.bench ?? 0,
          proxies: cpu.cores.proxies ?? 0,
          other: cpu.otherCores,
          machine: cpu.machineBusyCores,
        },
      });
      const p = phases.at(-1);
      log(
        `thousand: ${name}: all owned ${p?.allOwnedMs ?? '-'} ms, balanced ${p?.balancedMs ?? '-'} ms, longest unread ${p?.longestUnreadMs} ms`,
      );
    };
    const awaitBalance = async (
      name: string,
      changeAt: number,
    ): Promise<Omit<PhaseResult, 'requests' | 'startupMs' | 'cores' | 'standInElu'>> => {
      const deadline = changeAt + sizes.phaseTimeoutMs;
      let streakFrom: OwnershipSample | undefined;
      while (Date.now() < deadline) {
        lifetime.check();
        for (const [id, child] of children) {
          if (live.has(id) && !child.running) {
            live.delete(id);
            notes.push(`${name}: ${id} exited on its own: ${child.problems().join(' | ')}`);
          }
        }
        const last = sampler?.last;
        if (last !== undefined && last.at >= changeAt) {
          if (!isBalanced(last, sizes.shards)) streakFrom = undefined;
          else streakFrom ??= last;
          if (streakFrom !== undefined && last.at - streakFrom.at >= sizes.holdMs) break;
        }
        await sleep(SAMPLE_MS / 2, signal);
      }
      const endAt = Date.now();
      const samples = sampler?.between(changeAt, endAt) ?? [];
      const owned = samples.find((s) => isAllOwned(s, sizes.shards));
      const balanced = samples.find((s) => isBalanced(s, sizes.shards));
      const longest = tracker.longestDuring(changeAt, endAt);
      const firstAt = (sample: OwnershipSample | undefined): number | undefined =>
        sample === undefined ? undefined : sample.at - changeAt;
      return {
        name,
        workers: live.size,
        allLeasesMs: firstAt(samples.find((s) => s.leases >= sizes.shards)),
        firstTakenMs: firstAt(samples.find((s) => s.unowned < s.toRead)),
        allOwnedMs: owned === undefined ? undefined : owned.at - changeAt,
        balancedMs: balanced === undefined ? undefined : balanced.at - changeAt,
        heldBalanced: streakFrom !== undefined,
        unbalancedAfter:
          balanced === undefined
            ? 0
            : samples.filter((s) => s.at > balanced.at && !isBalanced(s, sizes.shards)).length,
        at: balanced ?? samples.at(-1),
        longestUnreadMs: Math.round(longest.ms),
        longestUnreadShard: longest.gap?.shardId,
        longestUnreadStillOpen: longest.gap !== undefined && longest.gap.to === undefined,
        timeline: samples.map((s) => [s.at - changeAt, s.leases, s.toRead, s.unowned, maxPerWorker(s)]),
        gapsOver15s: tracker.gapsDuring(changeAt, endAt).filter((g) => (g.to ?? endAt) - g.from > 15_000)
          .length,
      };
    };
    const window = async (name: string, ms: number): Promise<WindowResult> => {
      const ids = [...live];
      const meter = new CpuMeter(ourPids());
      const from = Date.now();
      const before = await proxies.counts();
      const reads0 = tracker.getRecords;
      const describes0 = server.log.count('DescribeStream', 'ok');
      await sleep(ms, signal);
      lifetime.check();
      const after = await proxies.counts();
      const cpu = meter.read();
      const to = Date.now();
      const samples = sampler?.between(from, to) ?? [];
      const heldAvg = Object.fromEntries(
        ids.map((id) => [
          id,
          samples.reduce((sum, s) => sum + (s.perWorker[id] ?? 0), 0) / Math.max(1, samples.length),
        ]),
      );
      const memory = Object.fromEntries(ids.map((id) => [id, memoryStatus(children.get(id)?.pid ?? 0)]));
      return {
        name,
        seconds: (to - from) / 1000,
        requests: Object.fromEntries(
          Object.entries(countsBetween(before, after)).filter(([id]) => ids.includes(id)),
        ),
        heldAvg,
        memory,
        getRecords: tracker.getRecords - reads0,
        describeStream: server.log.count('DescribeStream', 'ok') - describes0,
        openShards: model.openShards().length,
        cores: { ...cpu.cores, other: cpu.otherCores, machine: cpu.machineBusyCores },
      };
    };

    await phase('cold start', () => {
      tracker.startAll(Date.now());
      for (const id of names.slice(0, sizes.workers)) spawn(id);
    });
    log(`thousand: steady window ${sizes.steadyMs / 1000} s (trickle ${sizes.recordsPerSec}/s)`);
    const steady = await window('steady', sizes.steadyMs);
    const joiner = names[sizes.workers] ?? 'w?';
    await phase(`${joiner} joins`, () => spawn(joiner));
    let stopping: Promise<unknown> | undefined;
    await phase('w2 stopped', () => {
      live.delete('w2');
      stopping = children.get('w2')?.stop();
    });
    await stopping;
    await phase('w3 killed', () => {
      live.delete('w3');
      children.get('w3')?.child.kill('SIGKILL');
    });
    for (const timer of timers.splice(0)) clearInterval(timer);
    log(
      `thousand: idle (no records, no splits): ${sizes.idleSettleMs / 1000} s settle, ${sizes.idleMs / 1000} s window`,
    );
    await sleep(sizes.idleSettleMs, signal);
    const idle = await window('idle', sizes.idleMs);
    await sampler.stop();
    log(`thousand: worker logs in ${keepWorkerLogs([...children.values()], ctx.outDir, `thousand-${task}`)}`);
    const figures = {
      sizes,
      timing: leaseTiming(sizes.failoverMs),
      splits,
      records: next,
      shardsAtEnd: model.listedShards().length,
      phases,
      windows: [steady, idle],
      notes,
      warnings: Object.fromEntries(
        [...children].map(([id, c]) => [id, warnings(c, ['warn', 'error', 'fatal'])]),
      ),
    };
    return { lines: describeThousand(figures), figures };
  } finally {
    for (const timer of timers) clearInterval(timer);
    await sampler?.stop().catch(() => undefined);
    await Promise.all([...children.values()].map((c) => c.stop()));
    client.destroy();
    destClient.destroy();
    await instance.stop();
  }
}

function sumCores(cores: Record<string, number>, ids: readonly string[]): number {
  return Math.round(ids.reduce((sum, id) => sum + (cores[id] ?? 0), 0) * 100) / 100;
}

export const THOUSAND_SHARDS_STAGE: BenchStage = {
  name: 'thousand',
  title: 'A thousand shards, simulated: 8 workers, splits, a join, a stop and a kill (issue 17)',
  run,
};
