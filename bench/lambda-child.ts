// The Lambda side of the `lambda` stage, in a process of its own as the CLI runs in its own: the real handler
// (src/lambda/handler.ts, configured by DDB_REPLICATOR_* variables as a function is) driven by the stand-in event
// source mapping (tests/support/lambda-mapping.ts) over the source's stream from the trim horizon, one batch in
// flight per shard, until the handler has acknowledged every record of the backlog. The stream is read with the
// CLI's own streams client (its codec), so that reading costs the same on both sides. Tells the parent over IPC
// when the mapping starts and, at the end, every invocation's size, duration and outcome and its own CPU.
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { createStreamsClient, STREAM_READS } from '../src/app/aws-clients.js';
import { createHandler } from '../src/lambda/handler.js';
import { sleep } from '../src/util/sleep.js';
import { EventSourceMapping } from '../tests/support/lambda-mapping.js';
import { benchClient, DEST_REGION, SOURCE_REGION } from './items.js';

export interface LambdaChildArgs {
  readonly sourceEndpoint: string;
  readonly destEndpoint: string;
  readonly sourceTable: string;
  readonly destTable: string;
  readonly records: number;
  readonly batchSize: number;
  readonly functionTimeoutMs: number;
}

export type LambdaChildMessage =
  | { readonly phase: 'draining'; readonly at: number }
  | {
      readonly phase: 'done';
      /** Epoch ms: the mapping started (first DescribeStream), the last batch acknowledged. */
      readonly startedAt: number;
      readonly endedAt: number;
      readonly invocations: readonly { size: number; ms: number; outcome: string }[];
      readonly discarded: number;
      /** CPU seconds of this process from the mapping's start to the last acknowledgement. */
      readonly cpuSec: number;
    }
  | { readonly phase: 'failed'; readonly error: string };

const epoch = (performanceMs: number): number => performance.timeOrigin + performanceMs;

async function main(args: LambdaChildArgs): Promise<LambdaChildMessage> {
  const source = benchClient(args.sourceEndpoint, SOURCE_REGION);
  const described = await source.send(new DescribeTableCommand({ TableName: args.sourceTable }));
  source.destroy();
  const streamArn = described.Table?.LatestStreamArn;
  if (streamArn === undefined) throw new Error(`${args.sourceTable} has no stream`);
  const streams = createStreamsClient({ region: SOURCE_REGION, endpoint: args.sourceEndpoint }, STREAM_READS);
  const handler = createHandler({
    ...process.env,
    DDB_REPLICATOR_DEST_TABLE: args.destTable,
    DDB_REPLICATOR_DEST_REGION: DEST_REGION,
    DDB_REPLICATOR_DEST_ENDPOINT: args.destEndpoint,
  });
  const esm = new EventSourceMapping({
    streams,
    streamArn,
    handler: (event, context) => handler(event, context),
    batchSize: args.batchSize,
    functionTimeoutMs: args.functionTimeoutMs,
  });
  const startedAt = epoch(performance.now());
  const cpuAtStart = process.cpuUsage();
  process.send?.({ phase: 'draining', at: startedAt } satisfies LambdaChildMessage);
  esm.start();
  const deadline = performance.now() + 120_000 + args.records * 5;
  let acknowledged = 0;
  while (acknowledged < args.records) {
    if (performance.now() > deadline) {
      throw new Error(`${acknowledged} of ${args.records} records acknowledged before the deadline`);
    }
    await sleep(5);
    acknowledged = esm.invocations.reduce((sum, i) => sum + (i.outcome === 'success' ? i.size : 0), 0);
  }
  const last = esm.invocations.at(-1);
  const endedAt = last === undefined ? epoch(performance.now()) : epoch(last.startedAt + last.ms);
  const cpu = process.cpuUsage(cpuAtStart);
  await esm.stop();
  streams.destroy();
  return {
    phase: 'done',
    startedAt,
    endedAt,
    invocations: esm.invocations.map((i) => ({
      size: i.size,
      ms: Math.round(i.ms * 10) / 10,
      outcome: i.outcome,
    })),
    discarded: esm.discarded.reduce((sum, d) => sum + d.records.length, 0),
    cpuSec: (cpu.user + cpu.system) / 1e6,
  };
}

const args = JSON.parse(process.argv[2] ?? '{}') as LambdaChildArgs;
const message = await main(args).catch((err: unknown): LambdaChildMessage => ({
  phase: 'failed',
  error: err instanceof Error ? (err.stack ?? err.message) : String(err),
}));
// The handler's client keeps sockets open: the process ends once the parent has the message.
process.send?.(message, () => process.exit(message.phase === 'done' ? 0 : 1));
