import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StoppedError } from '../errors/replicator-error.js';
import { retrying } from './retry.js';

const throttled = (): Error =>
  Object.assign(new Error('slow down'), { name: 'ThrottlingException', $metadata: {} });
const refused = (): Error => Object.assign(new Error('refused'), { code: 'ECONNREFUSED' });
const fast = { baseMs: 1, maxMs: 2 };

test('retries retriable errors until the operation succeeds', async () => {
  let calls = 0;
  const reasons: string[] = [];
  const result = await retrying(
    () => {
      calls += 1;
      return calls < 3 ? Promise.reject(throttled()) : Promise.resolve('done');
    },
    { backoff: fast, onRetry: (reason) => reasons.push(reason) },
  );
  assert.equal(result, 'done');
  assert.equal(calls, 3);
  assert.deepEqual(reasons, ['throttled', 'throttled']);
});

test('errors that are not retriable go through at once', async () => {
  let calls = 0;
  const validation = Object.assign(new Error('bad'), { name: 'ValidationException', $metadata: {} });
  await assert.rejects(
    retrying(() => {
      calls += 1;
      return Promise.reject(validation);
    }),
    validation,
  );
  assert.equal(calls, 1);
});

test('only the reasons asked for are retried', async () => {
  let calls = 0;
  const err = refused();
  await assert.rejects(
    retrying(
      () => {
        calls += 1;
        return Promise.reject(err);
      },
      { reasons: ['throttled', 'server'], backoff: fast },
    ),
    err,
  );
  assert.equal(calls, 1);
});

test('past the deadline the last error is thrown', async () => {
  let calls = 0;
  await assert.rejects(
    retrying(
      () => {
        calls += 1;
        return Promise.reject(throttled());
      },
      { deadlineMs: 0, backoff: { baseMs: 5, maxMs: 5 } },
    ),
    /slow down/,
  );
  assert.equal(calls, 1);
});

test('an aborted signal stops the retries with StoppedError', async () => {
  const controller = new AbortController();
  let calls = 0;
  await assert.rejects(
    retrying(
      () => {
        calls += 1;
        controller.abort();
        return Promise.reject(throttled());
      },
      { signal: controller.signal, backoff: fast },
    ),
    StoppedError,
  );
  assert.equal(calls, 1);
});
