// The local stamps of one flush's app writes, sent together: up to 25 keys' stamps (stamp-statement.ts) as one
// BatchExecuteStatement, by the flush's batching (key-batches.ts).
import type {
  BatchExecuteStatementCommandInput,
  BatchStatementRequest,
  BatchStatementResponse,
} from '@aws-sdk/client-dynamodb';
import { KeyBatches, type FlushLoad } from './key-batches.js';
import { MAX_STAMP_BATCH, stampAnswers, type StampAnswer } from './stamp-statement.js';

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
        stampAnswers(await send(target, { Statements: [...members] }), members.length),
    },
    options,
  );
}
