// Preloaded into the replicator process by the benchmark (`node --import .../trace-hook.js`); it only observes.
// It times every SDK call (operation, table, start, end, items or records), samples event-loop utilization and
// GC pauses, and writes them to $BENCH_TRACE_FILE at exit, so the benchmark can say where catch-up time goes
// (write concurrency actually reached, gaps between flushes, checkpoint and GetRecords latency) without src/.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { writeFileSync } from 'node:fs';
import { PerformanceObserver, performance } from 'node:perf_hooks';

/** [operation, table, startMs, endMs, ok (1/0), items written or records read] (epoch ms, sub-ms precision). */
export type TracedCall = [string, string, number, number, number, number];

export interface TraceFile {
  readonly calls: TracedCall[];
  /** [epoch ms, event-loop utilization over the previous interval] */
  readonly elu: [number, number][];
  /** [epoch ms at the pause's start, pause ms] */
  readonly gc: [number, number][];
  readonly cpuUserMs: number;
  readonly cpuSystemMs: number;
  readonly maxRssMb: number;
}

type Command = { readonly input: Record<string, unknown>; readonly constructor: { readonly name: string } };
type Send = (this: unknown, command: Command, ...rest: unknown[]) => unknown;

const file = process.env.BENCH_TRACE_FILE;
const now = (): number => performance.timeOrigin + performance.now();
const calls: TracedCall[] = [];
const elu: [number, number][] = [];
const gc: [number, number][] = [];

function describe(command: Command): { op: string; table: string; items: number } {
  const input = command.input;
  let op = command.constructor.name.replace(/Command$/, '');
  const requestItems = input.RequestItems as Record<string, unknown[]> | undefined;
  const table =
    typeof input.TableName === 'string' ? input.TableName : (Object.keys(requestItems ?? {})[0] ?? '');
  const items = requestItems === undefined ? 0 : (requestItems[table]?.length ?? 0);
  if (op === 'UpdateItem' && String(input.UpdateExpression).includes('#checkpoint')) op = 'Checkpoint';
  return { op, table, items };
}

function patch(proto: { send: Send }): void {
  const original = proto.send;
  proto.send = function (this: unknown, command: Command, ...rest: unknown[]): unknown {
    const started = now();
    const { op, table, items } = describe(command);
    const result = original.call(this, command, ...rest);
    if (result instanceof Promise) {
      void result.then(
        (out: { Records?: unknown[] }) =>
          calls.push([
            op,
            table,
            started,
            now(),
            1,
            op === 'GetRecords' ? (out.Records?.length ?? 0) : items,
          ]),
        () => calls.push([op, table, started, now(), 0, 0]),
      );
    }
    return result;
  };
}

if (file !== undefined && file !== '') {
  patch(DynamoDBClient.prototype as unknown as { send: Send });
  patch(DynamoDBStreamsClient.prototype as unknown as { send: Send });
  let last = performance.eventLoopUtilization();
  setInterval(() => {
    const current = performance.eventLoopUtilization();
    elu.push([now(), performance.eventLoopUtilization(current, last).utilization]);
    last = current;
  }, 100).unref();
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries())
      gc.push([performance.timeOrigin + entry.startTime, entry.duration]);
  }).observe({ entryTypes: ['gc'] });
  process.once('exit', () => {
    const usage = process.resourceUsage();
    const trace: TraceFile = {
      calls,
      elu,
      gc,
      cpuUserMs: usage.userCPUTime / 1000,
      cpuSystemMs: usage.systemCPUTime / 1000,
      maxRssMb: usage.maxRSS / 1024,
    };
    writeFileSync(file, JSON.stringify(trace));
  });
}
