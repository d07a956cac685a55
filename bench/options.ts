// The benchmark's command line: which measurements to run, how big the backlog is, which loader concurrencies
// to try. Parsed once here; every stage gets only the values it needs.
import { parseArgs } from 'node:util';
import { EXTRA_STAGES } from './extra-stages.js';

/** raw, catchup, copy, memory, or the name of one of EXTRA_STAGES. */
export type Stage = string;

const CORE_STAGES = ['raw', 'catchup', 'copy', 'memory'] as const;

export function stageNames(): string[] {
  return [...CORE_STAGES, ...EXTRA_STAGES.map((s) => s.name)];
}

export interface BenchOptions {
  readonly stages: readonly Stage[];
  /** Items the raw loader writes and stream records in the catch-up backlog. */
  readonly records: number;
  /** Catch-ups to run, each followed by a raw re-check at the best concurrency (a noisy machine needs several). */
  readonly pairs: number;
  /** Backlog of the extra memory run (0: skip it). */
  readonly memoryRecords: number;
  /** BatchWriteItem requests in flight to try for the raw sink; the best one is the ceiling. */
  readonly concurrency: readonly number[];
  /** Writes of the JVM warm-up on a scratch table, before anything is measured. */
  readonly warmupItems: number;
  /** Extra flags for `replicate` (e.g. "--write-concurrency 32"). */
  readonly replicatorArgs: readonly string[];
  /** The replicator's --write-concurrency (16 unless in replicatorArgs); the stream copier uses it too. */
  readonly writeConcurrency: number;
  /** Run the replicator under `node --cpu-prof` and summarize where its CPU time went. */
  readonly profile: boolean;
  /** Time the replicator's SDK calls through a preload hook (observes only). */
  readonly trace: boolean;
  /** Smallest sizes (a smoke run of every stage; figures not meaningful). */
  readonly quick: boolean;
  /** Source write rates (writes/s) of the lag stage. */
  readonly lagRates: readonly number[];
  /** The destination's DynamoDB Local on CPU 0 alone, everything else on CPU 1 (cpu-isolation.ts). */
  readonly isolateDestination: boolean;
}

export const USAGE = `usage: npm run bench -- [--records N] [--only <stage>[,<stage>...]] [--quick] [--concurrency 4,8,16,32]
       [--pairs N] [--memory-records N (0: skip)] [--warmup N] [--replicator-args="<flags>"] [--profile] [--no-trace]
       [--lag-rates 200,1000] [--isolate-destination]`;

function positiveInt(name: string, value: string | undefined, fallback: number, allowZero = false): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || (n === 0 && !allowZero)) {
    throw new Error(`${name} must be a ${allowZero ? 'non-negative' : 'positive'} integer, got ${value}`);
  }
  return n;
}

export function parseOptions(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      records: { type: 'string' },
      only: { type: 'string' },
      concurrency: { type: 'string' },
      'memory-records': { type: 'string' },
      pairs: { type: 'string' },
      warmup: { type: 'string' },
      'replicator-args': { type: 'string' },
      profile: { type: 'boolean', default: false },
      'no-trace': { type: 'boolean', default: false },
      quick: { type: 'boolean', default: false },
      'lag-rates': { type: 'string' },
      'isolate-destination': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) throw new Error(USAGE);
  const known = stageNames();
  const only = values.only
    ?.split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const unknown = only?.filter((s) => !known.includes(s)) ?? [];
  if (unknown.length > 0 || only?.length === 0) {
    throw new Error(`--only takes stages among ${known.join(', ')}; got ${values.only}`);
  }
  const concurrency = (values.concurrency ?? '4,8,16,32')
    .split(',')
    .filter((part) => part.trim() !== '')
    .map((part) => positiveInt('--concurrency', part.trim(), 1));
  if (concurrency.length === 0) throw new Error('--concurrency needs at least one value');
  const lagRates = (values['lag-rates'] ?? '200,1000')
    .split(',')
    .filter((part) => part.trim() !== '')
    .map((part) => positiveInt('--lag-rates', part.trim(), 1));
  if (lagRates.length === 0) throw new Error('--lag-rates needs at least one value');
  const replicatorArgs = (values['replicator-args'] ?? '').split(/\s+/).filter((a) => a !== '');
  const flagAt = replicatorArgs.indexOf('--write-concurrency');
  return {
    stages: only ?? known,
    records: positiveInt('--records', values.records, values.quick ? 2_000 : 50_000),
    pairs: positiveInt('--pairs', values.pairs, values.quick ? 1 : 3),
    memoryRecords: positiveInt(
      '--memory-records',
      values['memory-records'],
      values.quick ? 0 : 200_000,
      true,
    ),
    concurrency,
    warmupItems: positiveInt('--warmup', values.warmup, 4_000, true),
    replicatorArgs,
    writeConcurrency: flagAt >= 0 ? positiveInt('--write-concurrency', replicatorArgs[flagAt + 1], 16) : 16,
    profile: values.profile,
    trace: !values['no-trace'],
    quick: values.quick,
    lagRates,
    isolateDestination: values['isolate-destination'],
  };
}
