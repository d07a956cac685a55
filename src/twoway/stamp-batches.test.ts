import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { BatchExecuteStatementCommandInput, BatchStatementRequest } from '@aws-sdk/client-dynamodb';
import { FlushLoad } from './key-batches.js';
import { MIN_STAMP_BATCH, stampBatches } from './stamp-batches.js';
import type { StampAnswer } from './stamp-statement.js';

/** Long enough that a test waiting for it would time out: what is sent, is sent because no key can join. */
const NEVER_MS = 600_000;

const statement = (key: string): BatchStatementRequest => ({
  Statement: 'UPDATE "t" SET "v" = ? WHERE "pk" = ?',
  Parameters: [{ S: 'stamp' }, { S: key }],
});

/** The answers of a flush of `keys` keys, each submitting its stamp; the batches the service was sent. */
async function flushOf(keys: number): Promise<{ answers: StampAnswer[]; sent: string[][] }> {
  const sent: string[][] = [];
  const send = (_target: string, input: BatchExecuteStatementCommandInput) => {
    const statements = input.Statements ?? [];
    sent.push(statements.map((s) => s.Parameters?.[1]?.S ?? '?'));
    return Promise.resolve(statements.map((s) => ({ Item: { pk: s.Parameters?.[1] ?? { S: '?' } } })));
  };
  const signal = new AbortController().signal;
  const batches = stampBatches(new FlushLoad(keys), send, { windowMs: NEVER_MS, signal });
  try {
    const answers = await Promise.all(
      Array.from({ length: keys }, (_, i) => batches.submit('local', statement(`k${i}`))),
    );
    return { answers, sent };
  } finally {
    batches.close();
  }
}

describe('stampBatches', () => {
  test('a batch of fewer than MIN_STAMP_BATCH is not sent: each of its stamps goes alone', async () => {
    for (let keys = 1; keys < MIN_STAMP_BATCH; keys++) {
      const { answers, sent } = await flushOf(keys);
      assert.deepEqual(sent, [], `${keys} stamps`);
      assert.deepEqual(
        answers,
        Array.from({ length: keys }, () => ({ kind: 'alone', code: 'SmallBatch' })),
      );
    }
  });

  test('MIN_STAMP_BATCH stamps or more go as one BatchExecuteStatement, each answered from its response', async () => {
    const { answers, sent } = await flushOf(MIN_STAMP_BATCH);
    const keys = Array.from({ length: MIN_STAMP_BATCH }, (_, i) => `k${i}`);
    assert.deepEqual(sent, [keys]);
    assert.deepEqual(
      answers,
      keys.map((k) => ({ kind: 'stamped', item: { pk: { S: k } } })),
    );
  });
});
