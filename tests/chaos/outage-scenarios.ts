// Scenarios of one long fault: the lease table or the destination away for longer than the failover time, a
// checkpoint whose answer never comes, and the source table deleted under the fleet. Each checks what the fleet
// must do meanwhile (fence its writes, keep its lease, stop with a clear error) and how it ends.
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { scanAll } from '../../src/local/local-tables.js';
import type { LogLine } from '../support/replicator-process.js';
import { waitFor } from '../support/wait-for.js';
import { timeOf, type ChaosContext } from './chaos-context.js';
import type { ChaosWorker } from './chaos-worker.js';
import { diffAgainst } from './table-comparison.js';
import { between, finish, pause, waitForOwner, type Scenario } from './scenario-steps.js';

/** Arrival times of the BatchWriteItem requests that reached the destination, from now until `stop()`. */
function watchWrites(ctx: ChaosContext): { at: number[]; stop: () => void } {
  const at: number[] = [];
  const stop = ctx.destination.observe((e) => {
    if (e.operation === 'BatchWriteItem' && e.forwarded) at.push(e.at);
  });
  return { at, stop };
}

/**
 * Fencing: a holder stops sending before its lease could expire for anybody else (its own clock), and a request
 * already sent ends within its deadline (40 % of the failover time), so from one failover time after the lease
 * table went away until it is back no write may reach the destination. One second of slack for a busy machine.
 */
function checkFenced(ctx: ChaosContext, writes: readonly number[], start: number, end: number): void {
  const fencedFrom = start + ctx.options.failoverMs + 1_000;
  const late = writes.filter((at) => at >= fencedFrom && at <= end);
  if (late.length > 0) {
    ctx.problem(
      `${late.length} BatchWriteItem requests reached the destination between ${fencedFrom - start} ms after the lease table went away and its return (${end - start} ms); the first at +${(late[0] ?? 0) - start} ms`,
    );
    return;
  }
  const before = writes.filter((at) => at < fencedFrom).length;
  ctx.log(
    `fenced: no write reached the destination from +${fencedFrom - start} ms until the lease table came back (${before} before)`,
  );
}

export const leaseOutage: Scenario = {
  name: 'lease-outage',
  summary: 'the lease table throttled and unreachable for longer than the failover time',
  async run(ctx, settings) {
    const failoverMs = ctx.options.failoverMs;
    await ctx.startFleet(2);
    ctx.startWorkload();
    await waitForOwner(ctx);
    await pause(between(ctx, 1_000, 3_000));
    const writes = watchWrites(ctx);
    const holders = ctx.live().filter((w) => w.heldShards().length > 0);
    const start = Date.now();
    const outage = ctx.lease.add({
      kinds: { throttle: 2, 'server-error': 1, 'reset-before': 2, 'reset-after': 1, drop: 1 },
    });
    ctx.log(`lease table cut for ${settings.outageMs} ms; holders: ${holders.map((w) => w.id).join(', ')}`);
    // A holder gives the shard up by its own clock: "lease lost" from the renew loop, or "shard stopped" (kind
    // lost) when the fencing check before a write or a checkpoint finds the lease's validity ran out first.
    const gaveUp = (w: ChaosWorker): LogLine | undefined =>
      [...ctx.logsSince('lease lost', start), ...ctx.logsSince('shard stopped', start)].find(
        (l) => l.worker === w && (l.line.msg === 'lease lost' || l.line.kind === 'lost'),
      )?.line;
    try {
      await waitFor(
        'every holder to give its lease up',
        () => holders.every((w) => gaveUp(w) !== undefined),
        {
          timeoutMs: settings.outageMs,
        },
      );
      for (const w of holders) {
        const line = gaveUp(w);
        ctx.log(
          `${w.id} gave up at +${line === undefined ? '?' : timeOf(line) - start} ms: ${line?.msg} (${String(line?.reason)})`,
        );
      }
    } catch {
      ctx.problem(`not every lease holder gave up its lease within the ${settings.outageMs} ms outage`);
    }
    await pause(start + settings.outageMs - Date.now() - 1_500);
    await ctx.logStatus('during the lease outage');
    await pause(start + settings.outageMs - Date.now());
    outage.remove();
    const end = Date.now();
    writes.stop();
    for (const w of holders) {
      const lost = ctx.logsSince('lease lost', start).some((l) => l.worker === w && timeOf(l.line) <= end);
      if (!lost && gaveUp(w) !== undefined) {
        ctx.note(
          `${w.id} logged no "lease lost" during the ${end - start} ms lease outage (only "shard stopped", kind lost)`,
        );
      }
    }
    checkFenced(ctx, writes.at, start, end);
    try {
      await waitFor('a worker to take a lease again', () => ctx.logsSince('lease taken', end).length > 0, {
        timeoutMs: 60_000,
      });
      const taken = ctx.logsSince('lease taken', end)[0];
      const afterMs = taken === undefined ? 0 : timeOf(taken.line) - end;
      if (afterMs > 5 * failoverMs) {
        ctx.problem(
          `recovery took ${afterMs} ms after the lease table came back (over ${5 * failoverMs} ms): a lease-table call whose answer never came held the worker`,
        );
      }
      ctx.log(
        `recovered: ${taken?.worker.id} took the lease ${taken === undefined ? '?' : timeOf(taken.line) - end} ms after the outage`,
      );
    } catch {
      ctx.problem('no worker took a lease within 60 s after the lease table came back');
    }
    await finish(ctx, settings);
    await ctx.logStatus('at the end');
  },
};

export const destinationOutage: Scenario = {
  name: 'destination-outage',
  summary: 'the destination unreachable (every connection reset) for longer than the failover time',
  async run(ctx, settings) {
    await ctx.startFleet(2);
    ctx.startWorkload();
    await waitForOwner(ctx);
    await pause(between(ctx, 1_000, 2_000));
    const start = Date.now();
    const outage = ctx.destination.add({ kinds: ['reset-before'] });
    ctx.log(`destination cut for ${settings.outageMs} ms`);
    await pause(settings.outageMs / 2);
    await ctx.logStatus('during the destination outage');
    await pause(start + settings.outageMs - Date.now());
    outage.remove();
    const end = Date.now();
    const said = ctx.workers.flatMap((w) =>
      w.process.logs.filter(
        (l) => (l.level === 'warn' || l.level === 'error') && timeOf(l) >= start && timeOf(l) <= end,
      ),
    );
    const lost = ctx.logsSince('lease lost', start);
    if (lost.length > 0) ctx.note(`${lost.length} leases lost during the destination outage`);
    const retries = (until: number): number =>
      ctx.workers.reduce((sum, w) => {
        const last = w.process.logs.filter((l) => l.msg === 'progress' && timeOf(l) <= until).at(-1);
        return sum + ((last?.progress as { writeRetries?: number } | undefined)?.writeRetries ?? 0);
      }, 0);
    const retried = `the progress lines' writeRetries went from ${retries(start)} to ${retries(end)}`;
    if (said.length === 0) {
      ctx.note(`during the ${end - start} ms destination outage no worker logged a warning; ${retried}`);
    } else {
      const what = [...new Set(said.map((l) => l.msg))].join('; ');
      ctx.log(`during the outage the workers logged: ${what}; ${retried}`);
    }
    await finish(ctx, settings);
  },
};

/**
 * Scripted, with one worker: its next checkpoint is applied but its answer never comes (for four failover
 * times), and its renewals are throttled until it gives the lease up. Once renewals pass again the worker takes
 * its own lease back while the first pipeline still waits for that checkpoint; when the answer finally fails,
 * that old pipeline ends. The destination is throttled meanwhile, so that writes are retried across these
 * moments. One pipeline per shard must run at any time; the destination must end equal to the source.
 */
export const checkpointHang: Scenario = {
  name: 'checkpoint-hang',
  summary:
    'a checkpoint whose answer never comes while renewals fail: lease lost, taken back, old pipeline ends late',
  async run(ctx, settings) {
    const failoverMs = ctx.options.failoverMs;
    // One worker (the most common deployment): it, not a peer, takes the lease back, under its own name.
    await ctx.startFleet(1);
    ctx.startWorkload(50);
    await waitForOwner(ctx);
    await pause(between(ctx, 1_000, 2_000));
    const holdMs = 4 * failoverMs;
    const hang = ctx.lease.add({
      operations: ['UpdateItem'],
      bodyIncludes: 'checkpointSubSequenceNumber',
      kinds: ['drop'],
      count: 1,
      dropHoldMs: holdMs,
    });
    await waitFor('a checkpoint to hang', () => hang.hits > 0, { timeoutMs: 30_000 });
    const start = Date.now();
    const renewals = ctx.lease.add({
      operations: ['UpdateItem'],
      bodyIncludes: 'leaseCounter + :one, lastRenewedAt',
      kinds: ['throttle'],
    });
    const throttle = ctx.destination.add({
      operations: ['BatchWriteItem'],
      kinds: ['throttle'],
      probability: 0.3,
    });
    try {
      await waitFor('the holder to log "lease lost"', () => ctx.logsSince('lease lost', start).length > 0, {
        timeoutMs: 3 * failoverMs,
      });
    } catch {
      ctx.problem(`no "lease lost" within ${3 * failoverMs} ms while every renewal was refused`);
    }
    renewals.remove();
    await pause(start + holdMs + 2 * failoverMs - Date.now());
    throttle.remove();
    const story = ctx.workers.flatMap((w) =>
      w.process.logs
        .filter((l) => timeOf(l) >= start && /^(lease|shard) /.test(l.msg))
        .map(
          (l) => `+${timeOf(l) - start} ${w.id} ${l.msg}${typeof l.kind === 'string' ? ` (${l.kind})` : ''}`,
        ),
    );
    ctx.log(`lease and shard events since the checkpoint hung: ${story.join('; ')}`);
    await finish(ctx, settings);
  },
};

export const sourceDeleted: Scenario = {
  name: 'source-deleted',
  summary: 'the source table deleted while replication runs',
  async run(ctx, settings) {
    const fleet = await ctx.startFleet(2);
    ctx.startWorkload();
    await pause(settings.activeMs);
    const writes = await ctx.stopWorkload();
    const snapshot = await scanAll(ctx.fixture.source, ctx.fixture.sourceTable);
    for (const worker of fleet) worker.expectExit();
    await ctx.fixture.source.send(new DeleteTableCommand({ TableName: ctx.fixture.sourceTable }));
    const deletedAt = Date.now();
    ctx.log(`source table deleted after ${writes} writes; ${snapshot.length} items in it just before`);
    try {
      await waitFor('the workers to exit', () => ctx.live().length === 0, { timeoutMs: 60_000 });
    } catch {
      ctx.problem(`${ctx.live().length} workers still running 60 s after the source table was deleted`);
    }
    for (const worker of fleet) {
      const said = new Map<string, number>();
      for (const line of worker.process.logs) {
        if (timeOf(line) >= deletedAt && line.msg !== 'progress')
          said.set(line.msg, (said.get(line.msg) ?? 0) + 1);
      }
      const story = [...said].map(([msg, n]) => (n === 1 ? msg : `${msg} (${n}x)`)).join('; ');
      ctx.log(
        `${worker.id} logged after the deletion: ${story === '' ? 'nothing but progress lines' : story}`,
      );
      const exit = worker.process.child.exitCode;
      const last = worker.process.errors().at(-1);
      const line = last === undefined ? 'no error line' : `"${last.msg}"`;
      ctx.log(`${worker.id}: exit ${exit ?? 'still running'} ${Date.now() - deletedAt} ms after; ${line}`);
      const names =
        last !== undefined && (last.msg.includes(ctx.fixture.sourceTable) || last.msg.includes('stream'));
      if (exit !== null && (exit === 0 || !names)) {
        ctx.problem(`${worker.id} exited with ${exit} without an error line naming the table or stream`);
      }
    }
    ctx.record(
      await diffAgainst(ctx.fixture, snapshot),
      'destination against the source as it was just before the deletion',
    );
    await ctx.logStatus('after the deletion');
    await ctx.stopAll();
    ctx.checkWorkers({ allowErrors: true });
  },
};
