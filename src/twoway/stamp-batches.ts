// The local stamps of one flush's app writes, sent together: up to 25 keys' stamps (stamp-statement.ts) as one
// BatchExecuteStatement, by the flush's batching (key-batches.ts). A batch of fewer than MIN_STAMP_BATCH goes as
// one UpdateItem a stamp instead (each answered 'alone').
import type {
  BatchExecuteStatementCommandInput,
  BatchStatementRequest,
  BatchStatementResponse,
} from '@aws-sdk/client-dynamodb';
import { KeyBatches, type FlushLoad } from './key-batches.js';
import { MAX_STAMP_BATCH, stampAnswers, type StampAnswer } from './stamp-statement.js';

/**
 * The fewest stamps sent as a batch. A small batch saves nothing and costs time: on DynamoDB Local one or two
 * statements in a BatchExecuteStatement cost as much CPU a stamp as an UpdateItem (3.70 and 3.67 ms against 3.45;
 * 2.90 in batches of 4, 1.93 of 25: docs/benchmarks.md), while a batch is answered only once its last statement is
 * done and took several times an UpdateItem's time: at 50 app writes a second on each side, where a flush holds a
 * few keys, batched stamps took two-way's lag p50 from 28 ms to 160-174 ms. DynamoDB bills each statement of a batch
 * as the write it is, so this changes the requests made, not what they cost.
 */
export const MIN_STAMP_BATCH = 4;

/** Sends one batch of stamps to the named target: the responses, one per statement, in order. */
export type SendStamps = (
  target: string,
  input: BatchExecuteStatementCommandInput,
) => Promise<readonly BatchStatementResponse[] | undefined>;

export type StampBatches = KeyBatches<BatchStatementRequest, StampAnswer>;

export function stampBatches(
  load: FlushLoad,
  send: SendStamps,
  options: { windowMs: number; signal: AbortSignal },
): StampBatches {
  return new KeyBatches<BatchStatementRequest, StampAnswer>(
    load,
    {
      fits: (members) => members.length < MAX_STAMP_BATCH,
      full: (members) => members.length >= MAX_STAMP_BATCH,
      send: async (target, members) =>
        members.length < MIN_STAMP_BATCH
          ? members.map(() => ({ kind: 'alone', code: 'SmallBatch' }))
          : stampAnswers(await send(target, { Statements: [...members] }), members.length),
    },
    options,
  );
}
