// `npm run bench`: how fast the replicator drains a stream backlog compared with a bare BatchWriteItem loader
// against the same kind of DynamoDB Local, and how much memory it takes doing so. Not part of `npm test`.
// Stages: raw (sink ceiling), then --pairs times: catchup (backlog -> CLI -> destination), copy (a bare stream
// copier) and a raw re-check; then memory (peak RSS at N and 200k records); then the stages of extra-stages.ts. Every DynamoDB Local is fresh, on
// tmpfs, warmed up first, and stopped whatever happens (Ctrl-C included).
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measureCatchUp, type CatchUpResult } from './catch-up.js';
import { destinationIsolated, isolateDestination } from './cpu-isolation.js';
import { EXTRA_STAGES } from './extra-stages.js';
import { Lifetime } from './lifetime.js';
import { parseOptions, USAGE, type BenchOptions } from './options.js';
import { measureRawSink, type RawResult } from './raw-sink.js';
import { measureStreamCopy, type CopyResult } from './stream-copy.js';
import { median } from './percentiles.js';
import { printReport, ratio, writeReport, type BenchReport, type Pair, type StageReport } from './report.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const RESULTS = join(ROOT, 'bench-results');

function log(line: string): void {
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

/** Each catch-up (and stream copy) against the mean of the raw ceilings measured just before and after it. */
function pairUp(
  raw: RawResult,
  rechecks: readonly RawResult[],
  catchUps: readonly CatchUpResult[],
  copies: readonly CopyResult[],
): Pair[] {
  const ceilings = [raw.best, ...rechecks.map((r) => r.best)];
  const count = Math.max(catchUps.length, copies.length);
  return Array.from({ length: count }, (_, i) => {
    const around = ceilings.slice(i, i + 2).map((l) => l.itemsPerSec);
    const rawItemsPerSec = around.reduce((a, b) => a + b, 0) / around.length;
    const catchUp = catchUps[i];
    const copy = copies[i];
    return {
      rawItemsPerSec: around,
      ...(catchUp === undefined
        ? {}
        : {
            itemsPerSec: catchUp.itemsPerSec,
            drainItemsPerSec: catchUp.drainItemsPerSec,
            totalRatio: ratio(catchUp.itemsPerSec, rawItemsPerSec),
            drainRatio: ratio(catchUp.drainItemsPerSec, rawItemsPerSec),
            drainOtherCores: catchUp.drainOtherCores,
          }),
      ...(copy === undefined
        ? {}
        : {
            copyItemsPerSec: copy.itemsPerSec,
            copyDrainItemsPerSec: copy.drainItemsPerSec,
            copyDrainRatio: ratio(copy.drainItemsPerSec, rawItemsPerSec),
            copyOtherCores: copy.otherCores,
          }),
      ...(catchUp === undefined || copy === undefined
        ? {}
        : { drainToCopy: ratio(catchUp.drainItemsPerSec, copy.drainItemsPerSec) }),
    };
  });
}

async function run(options: BenchOptions, lifetime: Lifetime): Promise<BenchReport> {
  const startedAt = new Date().toISOString();
  const loadBefore = loadavg();
  let raw: RawResult | undefined;
  const rechecks: RawResult[] = [];
  const catchUps: CatchUpResult[] = [];
  const copies: CopyResult[] = [];
  const memory: CatchUpResult[] = [];
  const stages: StageReport[] = [];
  const catchUpOptions = (records: number) => ({
    records,
    warmupItems: options.warmupItems,
    replicatorArgs: options.replicatorArgs,
    writeConcurrency: options.writeConcurrency,
    profile: options.profile,
    trace: options.trace,
    outDir: RESULTS,
  });

  if (options.stages.includes('raw')) {
    log(`raw sink: ${options.records} items at ${options.concurrency.join(', ')} in flight`);
    raw = await measureRawSink(options, lifetime, log);
  }
  const pairsToRun =
    options.stages.includes('catchup') || options.stages.includes('copy') ? options.pairs : 0;
  for (let pair = 1; pair <= pairsToRun; pair++) {
    if (options.stages.includes('catchup')) {
      log(`catch-up ${pair}/${options.pairs}: ${options.records} records`);
      const catchUp = await measureCatchUp(catchUpOptions(options.records), lifetime, log);
      catchUps.push(catchUp);
      log(`catch-up: ${catchUp.itemsPerSec} items/s overall, ${catchUp.drainItemsPerSec} items/s drain`);
    }
    if (options.stages.includes('copy')) {
      log(`stream copy ${pair}/${options.pairs}: ${options.records} records`);
      copies.push(
        await measureStreamCopy(
          {
            records: options.records,
            warmupItems: options.warmupItems,
            concurrency: options.writeConcurrency,
          },
          lifetime,
          log,
        ),
      );
    }
    if (raw !== undefined) {
      // The machine is shared: the ceiling measured again right after brackets each pair in time.
      log(`raw sink re-check at ${raw.best.concurrency} in flight`);
      rechecks.push(await measureRawSink({ ...options, concurrency: [raw.best.concurrency] }, lifetime, log));
    }
  }
  if (options.stages.includes('memory')) {
    const sizes = [options.records, options.memoryRecords].filter(
      (n, i, all) => n > 0 && all.indexOf(n) === i,
    );
    for (const records of sizes) {
      const done = catchUps.find((c) => c.records === records);
      if (done !== undefined) {
        memory.push(done);
        continue;
      }
      log(`memory: catch-up of ${records} records on fresh instances`);
      memory.push(await measureCatchUp(catchUpOptions(records), lifetime, log));
    }
  }

  for (const stage of EXTRA_STAGES) {
    if (!options.stages.includes(stage.name)) continue;
    log(`${stage.name}: ${stage.title}`);
    const result = await stage.run({
      lifetime,
      log,
      outDir: RESULTS,
      quick: options.quick,
      records: options.records,
      rawItemsPerSec: raw?.best.itemsPerSec,
      lagRates: options.lagRates,
    });
    stages.push({ name: stage.name, title: stage.title, ...result });
  }

  const pairs = raw === undefined ? [] : pairUp(raw, rechecks, catchUps, copies);
  const ratios: Record<string, number> = {};
  const medianOf = (values: (number | undefined)[]): number | undefined => {
    const present = values.filter((v): v is number => v !== undefined && Number.isFinite(v));
    return present.length === 0 ? undefined : ratio(median(present), 1);
  };
  const put = (name: string, value: number | undefined): void => {
    if (value !== undefined) ratios[name] = value;
  };
  put('medianTotalToRaw', medianOf(pairs.map((p) => p.totalRatio)));
  put('medianDrainToRaw', medianOf(pairs.map((p) => p.drainRatio)));
  put('medianCopyDrainToRaw', medianOf(pairs.map((p) => p.copyDrainRatio)));
  put('medianDrainToCopy', medianOf(pairs.map((p) => p.drainToCopy)));
  if (raw !== undefined) {
    // On a saturated machine throughput goes as 1 / CPU per item: these ratios hardly depend on the load.
    const rawCpu = medianOf([raw.best, ...rechecks.map((r) => r.best)].map((l) => l.cpuMsPer1k.total));
    const drainCpu = medianOf(catchUps.map((c) => c.drainCpuMsPer1k.total));
    const copyCpu = medianOf(copies.map((c) => c.cpuMsPer1k.total));
    if (rawCpu !== undefined && drainCpu !== undefined) put('cpuPerItemRawToDrain', ratio(rawCpu, drainCpu));
    if (rawCpu !== undefined && copyCpu !== undefined) put('cpuPerItemRawToCopy', ratio(rawCpu, copyCpu));
  }
  return {
    startedAt,
    command: `node ${process.argv.slice(1).join(' ')}`,
    machine: {
      cpus: cpus().length,
      cpuPlacement: destinationIsolated()
        ? 'destination DynamoDB Local alone on CPU 0; this process, the replicator, workers and source instances on CPU 1'
        : 'all processes share every CPU',
      node: process.version,
      loadavgBefore: loadBefore,
      loadavgAfter: loadavg(),
    },
    options: { ...options },
    ...(raw === undefined ? {} : { raw }),
    ...(rechecks.length === 0 ? {} : { rawRechecks: rechecks }),
    ...(catchUps.length === 0 ? {} : { catchUps }),
    ...(copies.length === 0 ? {} : { copies }),
    ...(pairs.length === 0 ? {} : { pairs }),
    ...(memory.length === 0 ? {} : { memory }),
    ...(stages.length === 0 ? {} : { stages }),
    ...(Object.keys(ratios).length === 0 ? {} : { ratios }),
  };
}

async function main(): Promise<number> {
  let options: BenchOptions;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n${USAGE}\n`);
    return 2;
  }
  // DynamoDB Local checks no credentials but the SDK wants some: fake ones, for this process and the child.
  process.env.AWS_ACCESS_KEY_ID = 'bench';
  process.env.AWS_SECRET_ACCESS_KEY = 'bench';
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
  // The SDK's Node-20 notice, silenced as bin/ddb-replicator.js does (children inherit it).
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const lifetime = new Lifetime();
  try {
    if (options.isolateDestination) isolateDestination();
    const report = await run(options, lifetime);
    process.stdout.write(`${printReport(report)}\n`);
    const file = writeReport(report, RESULTS);
    process.stdout.write(`\nfigures written to ${file}\n`);
    return 0;
  } catch (err) {
    if (lifetime.signal.aborted) {
      process.stderr.write('bench: interrupted; everything it started has been stopped\n');
      return 130;
    }
    process.stderr.write(
      `bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    return 1;
  } finally {
    await lifetime.closeAll();
  }
}

process.exitCode = await main();
