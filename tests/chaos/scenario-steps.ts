// What every chaos scenario shares: its settings, the fault mix of a random dose, and the steps most scenarios
// take (wait for an owner, let the workload stop, wait for convergence, compare, stop the fleet cleanly).
import type { FaultRuleSpec } from '../support/fault-proxy.js';
import { waitFor } from '../support/wait-for.js';
import type { ChaosContext } from './chaos-context.js';

export interface ScenarioSettings {
  /** How long the workload (and the random faults or process chaos) runs. */
  readonly activeMs: number;
  /** Fraction of the calls a random dose hits. */
  readonly dose: number;
  /** How long an outage lasts (longer than the failover time). */
  readonly outageMs: number;
  readonly convergeTimeoutMs: number;
  /** How long a dropped answer keeps its connection silent before the proxy closes it. */
  readonly dropHoldMs: number;
}

/** The short version's settings (inside `npm test`): a few seconds of faults, an outage past the failover time. */
export const SHORT_SETTINGS: ScenarioSettings = {
  activeMs: 6_000,
  dose: 0.2,
  outageMs: 7_000,
  convergeTimeoutMs: 90_000,
  dropHoldMs: 4_000,
};

export interface Scenario {
  readonly name: string;
  readonly summary: string;
  run(ctx: ChaosContext, settings: ScenarioSettings): Promise<void>;
}

/** Every fault kind, equally likely. */
export const EVERY_FAULT: FaultRuleSpec['kinds'] = {
  throttle: 1,
  'server-error': 1,
  'reset-before': 1,
  'reset-after': 1,
  slow: 1,
  drop: 1,
};

export const STREAM_OPERATIONS = ['GetRecords', 'GetShardIterator', 'DescribeStream'];

export async function pause(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

export function between(ctx: ChaosContext, min: number, max: number): number {
  return Math.round(min + ctx.random() * (max - min));
}

/** Stops the workload and waits for convergence (or the deadline), then compares item by item. */
export async function settle(ctx: ChaosContext, settings: ScenarioSettings): Promise<void> {
  const writes = await ctx.stopWorkload();
  ctx.log(`workload stopped after ${writes} writes`);
  await ctx.converge(settings.convergeTimeoutMs);
}

/** Stops the fleet cleanly (exit 0 each) and checks the workers' logs and exits. */
export async function stopFleet(ctx: ChaosContext): Promise<void> {
  await ctx.stopAll();
  ctx.checkWorkers();
}

/** Settles, then stops the fleet. */
export async function finish(ctx: ChaosContext, settings: ScenarioSettings): Promise<void> {
  await settle(ctx, settings);
  await stopFleet(ctx);
}

export async function waitForOwner(ctx: ChaosContext): Promise<void> {
  await waitFor('a worker to take the lease', () => ctx.live().some((w) => w.heldShards().length > 0), {
    timeoutMs: 60_000,
  });
}
