// The chaos scenarios. Each runs on fresh tables with a small fleet of real worker processes and the mixed
// workload, injects its faults, stops the workload, waits for convergence with a deadline and compares the
// destination with the source item by item; then stops the workers cleanly (exit 0 expected). This file holds
// the random doses and the process chaos; outage-scenarios.ts the long single faults.
import { checkpointHang, destinationOutage, leaseOutage, sourceDeleted } from './outage-scenarios.js';
import { runProcessChaos } from './process-chaos.js';
import type { ChaosContext } from './chaos-context.js';
import {
  EVERY_FAULT,
  STREAM_OPERATIONS,
  finish,
  pause,
  settle,
  stopFleet,
  type Scenario,
} from './scenario-steps.js';

export { SHORT_SETTINGS, type Scenario, type ScenarioSettings } from './scenario-steps.js';

const destinationFaults: Scenario = {
  name: 'destination-faults',
  summary: 'random throttling, 500s, resets, slow and dropped answers on the destination BatchWriteItem',
  async run(ctx, settings) {
    await ctx.startFleet(2);
    ctx.destination.add({ operations: ['BatchWriteItem'], kinds: EVERY_FAULT, probability: settings.dose });
    ctx.startWorkload();
    await pause(settings.activeMs);
    await finish(ctx, settings);
  },
};

const streamFaults: Scenario = {
  name: 'stream-faults',
  summary: 'the same faults on GetRecords, GetShardIterator and DescribeStream',
  async run(ctx, settings) {
    // After the start: the startup checks deliberately give up fast (two attempts) on an unreachable stream.
    await ctx.startFleet(2);
    const reads = watchReads(ctx);
    ctx.source.add({ operations: STREAM_OPERATIONS, kinds: EVERY_FAULT, probability: settings.dose });
    ctx.startWorkload();
    await pause(settings.activeMs);
    await settle(ctx, settings);
    reads.check();
    await stopFleet(ctx);
  },
};

/**
 * The longest time without a GetRecords or GetShardIterator call, from now until `check()` (after convergence).
 * Faults and backoff (at most 5 s) leave short gaps; a longer one is a reader hung on an answer that never came.
 */
function watchReads(ctx: ChaosContext): { check: () => void } {
  const start = Date.now();
  let last = start;
  let longest = { gapMs: 0, from: start };
  const note = (at: number): void => {
    if (at - last > longest.gapMs) longest = { gapMs: at - last, from: last };
    last = at;
  };
  const stop = ctx.source.observe((e) => {
    if (e.operation === 'GetRecords' || e.operation === 'GetShardIterator') note(e.at);
  });
  return {
    check: () => {
      stop();
      note(Date.now());
      const limitMs = 5 * ctx.options.failoverMs;
      const what = `the longest time without a GetRecords or GetShardIterator call was ${longest.gapMs} ms, from +${longest.from - start} ms`;
      if (longest.gapMs > limitMs) {
        ctx.problem(`${what}: a shard reader hung (over ${limitMs} ms) on a call whose answer never came`);
      } else {
        ctx.log(what);
      }
    },
  };
}

const processChaos: Scenario = {
  name: 'process-chaos',
  summary: 'random kill -9, SIGSTOP/SIGCONT and restarts of three workers on a seeded schedule',
  async run(ctx, settings) {
    await ctx.startFleet(3);
    ctx.startWorkload();
    await runProcessChaos(ctx, settings.activeMs);
    await finish(ctx, settings);
  },
};

const everything: Scenario = {
  name: 'everything',
  summary: 'random faults on the destination, the stream and the lease table, and process chaos, at once',
  async run(ctx, settings) {
    await ctx.startFleet(3);
    ctx.tolerateStartupFailures = true;
    ctx.destination.add({
      operations: ['BatchWriteItem'],
      kinds: EVERY_FAULT,
      probability: settings.dose / 2,
    });
    ctx.source.add({ operations: STREAM_OPERATIONS, kinds: EVERY_FAULT, probability: settings.dose / 2 });
    ctx.lease.add({ kinds: EVERY_FAULT, probability: settings.dose / 10 });
    ctx.startWorkload();
    await runProcessChaos(ctx, settings.activeMs);
    // Lease faults can end a start (its checks give up fast) or a stop's release; neither is under test here.
    ctx.lease.clear();
    await finish(ctx, settings);
  },
};

export const SCENARIOS: readonly Scenario[] = [
  destinationFaults,
  streamFaults,
  leaseOutage,
  destinationOutage,
  processChaos,
  checkpointHang,
  sourceDeleted,
  everything,
];

export function scenarioNamed(name: string): Scenario {
  const found = SCENARIOS.find((s) => s.name === name);
  if (found === undefined) {
    throw new Error(`no scenario ${name}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  }
  return found;
}
