// Process chaos on a seeded schedule: every 0.5-2.5 s one of kill -9 (restarted 0.5-3 s later, under the same
// worker id or a new one), SIGSTOP (SIGCONT 0.5 s to twice the failover time later) or a clean restart
// (SIGTERM, exit 0 expected, then a new process). Half the time the victim is the worker holding a lease, so
// the hand-overs the chaos is meant to provoke really happen. Bounded in time and number of actions; at the
// end every frozen worker is thawed and every slot has a running worker again.
import type { ChaosContext } from './chaos-context.js';
import type { ChaosWorker } from './chaos-worker.js';

const MAX_ACTIONS = 500;

interface Slot {
  worker: ChaosWorker;
  thawAt?: number;
  restartAt?: number;
}

export async function runProcessChaos(ctx: ChaosContext, activeMs: number): Promise<void> {
  const slots: Slot[] = ctx.live().map((worker) => ({ worker }));
  const failoverMs = ctx.options.failoverMs;
  const between = (min: number, max: number): number => Math.round(min + ctx.random() * (max - min));
  const deadline = performance.now() + activeMs;
  let nextAction = performance.now() + between(500, 2_500);
  let actions = 0;
  const done: string[] = [];

  while (performance.now() < deadline && actions < MAX_ACTIONS) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const now = performance.now();
    for (const slot of slots) {
      if (slot.thawAt !== undefined && now >= slot.thawAt) {
        slot.worker.thaw();
        slot.thawAt = undefined;
      }
      if (slot.worker.state === 'exited' && slot.restartAt === undefined)
        slot.restartAt = now + between(500, 3_000);
      if (slot.restartAt !== undefined && now >= slot.restartAt) {
        slot.worker = ctx.restart(slot.worker, ctx.random() < 0.5);
        slot.restartAt = undefined;
        done.push(`restart ${slot.worker.id}`);
      }
    }
    if (now < nextAction) continue;
    nextAction = now + between(500, 2_500);
    const running = slots.filter((s) => s.worker.state === 'running');
    const holders = running.filter((s) => s.worker.heldShards().length > 0);
    const pool = holders.length > 0 && ctx.random() < 0.5 ? holders : running;
    const slot = pool[Math.floor(ctx.random() * pool.length)];
    if (slot === undefined) continue;
    actions += 1;
    const dice = ctx.random();
    if (dice < 0.4) {
      await ctx.kill9(slot.worker);
      done.push(`kill -9 ${slot.worker.id}`);
    } else if (dice < 0.8) {
      ctx.freeze(slot.worker);
      slot.thawAt = now + between(500, 2 * failoverMs);
      done.push(`SIGSTOP ${slot.worker.id} ${Math.round(slot.thawAt - now)} ms`);
    } else if (slot.worker.process.logs.some((l) => l.msg === 'replicating')) {
      // Only a started worker: before its signal handlers exist, SIGTERM ends a Node process at once.
      const exit = await slot.worker.terminate();
      if (exit.code !== 0) {
        ctx.problem(
          `worker ${slot.worker.id} exited with ${exit.code ?? exit.signal} after SIGTERM:\n${slot.worker.process.describe()}`,
        );
      }
      slot.worker = ctx.restart(slot.worker, false);
      done.push(`SIGTERM and restart as ${slot.worker.id}`);
    }
  }
  for (const slot of slots) {
    slot.worker.thaw();
    if (slot.worker.state === 'exited') {
      slot.worker = ctx.restart(slot.worker, false);
      done.push(`restart ${slot.worker.id}`);
    }
  }
  ctx.log(`process chaos: ${done.join(', ')}`);
  await Promise.all(
    slots.map(async (slot) => {
      try {
        await slot.worker.process.waitForLog('replicating', { timeoutMs: 60_000 });
      } catch (err) {
        const what = `restarted worker ${slot.worker.id} did not start: ${String(err)}`;
        if (ctx.tolerateStartupFailures) ctx.note(what);
        else ctx.problem(what);
      }
    }),
  );
}
