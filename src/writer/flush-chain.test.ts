import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Flush } from '../buffer/squash-buffer.js';
import { StoppedError } from '../errors/replicator-error.js';
import { flushOf, settled } from '../../tests/support/flushes.js';
import { FlushChain, MAX_FLUSHES_IN_FLIGHT, MAX_FLUSHES_WRITING } from './flush-chain.js';
import type { WriteOutcome } from './table-writer.js';

/** One call of the write function, answered by the test. */
interface Call {
  readonly keys: string[];
  readonly signal: AbortSignal;
  readonly allSent: () => void;
  readonly succeed: () => void;
  readonly fail: (error: unknown) => void;
}

function harness(signal = new AbortController().signal) {
  const calls: Call[] = [];
  const written: string[] = [];
  const ended: string[] = [];
  let changes = 0;
  const chain = new FlushChain({
    signal,
    write: (records, options) =>
      new Promise<WriteOutcome>((resolve, reject) => {
        const keys = records.map((r) => r.keys.pk?.S ?? '?');
        options.signal.addEventListener('abort', () => reject(new StoppedError()), { once: true });
        calls.push({
          keys,
          signal: options.signal,
          allSent: options.onAllSent,
          succeed: () => resolve({ puts: keys.length, deletes: 0, requests: 1, retries: 0 }),
          fail: reject,
        });
      }),
    onWritten: (flush, outcome) => written.push(`${flush.lastSequenceNumber}:${outcome.puts}`),
    onChange: () => (changes += 1),
  });
  const start = (name: string, flush: Flush): void => chain.start(flush, () => ended.push(name));
  /** Starts `first`, lets it send everything, then starts `second`: two flushes in flight. */
  const startTwo = async (first: Flush, second: Flush): Promise<void> => {
    start('first', first);
    await settled();
    calls[0]?.allSent();
    start('second', second);
    await settled();
  };
  return { chain, calls, written, ended, start, startTwo, changes: () => changes };
}

describe('FlushChain', () => {
  test('the next flush may start only once every request of the one in flight has gone out', async () => {
    const h = harness();
    assert.equal(h.chain.ready, true);
    const first = flushOf('a', 'b');
    h.start('first', first);
    assert.equal(h.chain.ready, false, 'the first flush has not sent everything yet');
    assert.equal(h.chain.records, 2);
    assert.throws(() => h.start('second', flushOf('c')), /not ready/);
    await settled();
    h.calls[0]?.allSent();
    assert.equal(h.chain.ready, true);
    assert.ok(h.changes() >= 1, 'the owner is told');
    h.start('second', flushOf('c'));
    await settled();
    assert.deepEqual(
      h.calls.map((c) => c.keys),
      [['a', 'b'], ['c']],
    );
    h.calls[1]?.allSent();
    assert.equal(h.chain.inFlight, MAX_FLUSHES_WRITING);
    assert.equal(h.chain.ready, false, 'two writing is the most');
    h.calls[0]?.succeed();
    await settled();
    assert.equal(h.chain.ready, true, 'the first ended, the second has sent everything');
    h.calls[1]?.succeed();
    await h.chain.settle();
    assert.equal(h.chain.inFlight, 0);
    assert.equal(h.chain.records, 0);
    assert.deepEqual(h.ended, ['first', 'second']);
  });

  test('a key the flush in flight also writes waits until that flush has ended; the other keys go at once', async () => {
    const h = harness();
    const first = flushOf('a', 'b');
    h.start('first', first);
    await settled();
    h.calls[0]?.allSent();
    const second = flushOf('b', 'c', 'a', 'd');
    h.start('second', second);
    await settled();
    assert.deepEqual(
      h.calls.map((c) => c.keys),
      [
        ['a', 'b'],
        ['c', 'd'],
      ],
      'only the keys the first flush does not write',
    );
    h.calls[1]?.allSent();
    assert.equal(h.chain.ready, true, 'the second flush is parked: the rest of it waits for the first');
    h.calls[1]?.succeed();
    await settled();
    assert.equal(h.calls.length, 2, 'a and b wait for the first flush');
    assert.deepEqual(h.written, [], 'nothing is reported before the first flush ends');
    h.calls[0]?.succeed();
    await settled();
    assert.deepEqual(h.calls[2]?.keys, ['b', 'a']);
    h.calls[2]?.allSent();
    h.calls[2]?.succeed();
    await h.chain.settle();
    assert.deepEqual(h.written, [`${first.lastSequenceNumber}:2`, `${second.lastSequenceNumber}:4`]);
    h.chain.throwIfFailed();
  });

  test('flushes are reported written in their order even when a later one ends first', async () => {
    const h = harness();
    const first = flushOf('a');
    const second = flushOf('b');
    await h.startTwo(first, second);
    h.calls[1]?.allSent();
    h.calls[1]?.succeed();
    await settled();
    assert.deepEqual(h.written, []);
    assert.equal(h.chain.inFlight, 2, 'the second is not over until the first is');
    h.calls[0]?.succeed();
    await h.chain.settle();
    assert.deepEqual(h.written, [`${first.lastSequenceNumber}:1`, `${second.lastSequenceNumber}:1`]);
    assert.deepEqual(h.ended, ['first', 'second']);
  });

  test('a failed flush stops the one after it, which is not reported; its own error is the one thrown', async () => {
    const h = harness();
    await h.startTwo(flushOf('a'), flushOf('b'));
    const boom = new Error('validation');
    h.calls[0]?.fail(boom);
    await h.chain.settle();
    assert.equal(h.calls[1]?.signal.aborted, true, 'the second flush was stopped');
    assert.deepEqual(h.written, []);
    assert.throws(
      () => h.chain.throwIfFailed(),
      (err) => err === boom,
    );
    assert.deepEqual(h.ended, ['first', 'second']);
  });

  test('a later flush that fails leaves the one before to finish and be reported', async () => {
    const h = harness();
    const first = flushOf('a');
    await h.startTwo(first, flushOf('b'));
    const boom = new Error('access denied');
    h.calls[1]?.fail(boom);
    await settled();
    assert.equal(h.calls[0]?.signal.aborted, false, 'the first flush goes on');
    h.calls[0]?.succeed();
    await h.chain.settle();
    assert.deepEqual(h.written, [`${first.lastSequenceNumber}:1`]);
    assert.throws(
      () => h.chain.throwIfFailed(),
      (err) => err === boom,
    );
  });

  test('the overlapping part is not written when the flush before failed', async () => {
    const h = harness();
    await h.startTwo(flushOf('a'), flushOf('a', 'b'));
    h.calls[1]?.succeed();
    h.calls[0]?.fail(new Error('boom'));
    await h.chain.settle();
    assert.equal(h.calls.length, 2, 'key a of the second flush was never sent');
    assert.deepEqual(h.written, []);
    assert.throws(() => h.chain.throwIfFailed(), /boom/);
  });

  test('aborting the chain stops every flush with a StoppedError', async () => {
    const controller = new AbortController();
    const h = harness(controller.signal);
    await h.startTwo(flushOf('a'), flushOf('b'));
    controller.abort();
    await h.chain.settle();
    assert.deepEqual(h.written, []);
    assert.throws(() => h.chain.throwIfFailed(), StoppedError);
  });

  test('a flush whose every key waits for the one before counts as sent only once those go out', async () => {
    const h = harness();
    await h.startTwo(flushOf('a'), flushOf('a'));
    assert.equal(h.calls.length, 1);
    h.calls[0]?.succeed();
    await settled();
    assert.equal(h.chain.ready, false);
    h.calls[1]?.allSent();
    assert.equal(h.chain.ready, true);
    h.calls[1]?.succeed();
    await h.chain.settle();
    assert.equal(h.written.length, 2);
  });

  test('beside a parked flush the next one starts; its keys that any flush in flight writes wait for all of them', async () => {
    const h = harness();
    const first = flushOf('a', 'b');
    const second = flushOf('a', 'c');
    const third = flushOf('b', 'c', 'd');
    await h.startTwo(first, second);
    assert.deepEqual(h.calls[1]?.keys, ['c']);
    h.calls[1]?.allSent();
    assert.equal(h.chain.ready, true, 'the second is parked: key a waits for the first');
    h.start('third', third);
    await settled();
    assert.deepEqual(h.calls[2]?.keys, ['d'], 'b is written by the first, c by the second: both wait');
    h.calls[2]?.allSent();
    assert.equal(h.chain.inFlight, 3);
    assert.equal(h.chain.ready, true, 'the third is parked too: only the first is writing');
    h.calls[1]?.succeed();
    h.calls[2]?.succeed();
    await settled();
    assert.equal(h.calls.length, 3, 'nothing more goes out before the first flush ends');
    h.calls[0]?.succeed();
    await settled();
    assert.deepEqual(h.calls[3]?.keys, ['a'], "the second's key a, once the first has ended");
    assert.equal(h.calls.length, 4, "the third's b and c wait for the second, which is not over");
    h.calls[3]?.allSent();
    h.calls[3]?.succeed();
    await settled();
    assert.deepEqual(h.calls[4]?.keys, ['b', 'c']);
    h.calls[4]?.allSent();
    h.calls[4]?.succeed();
    await h.chain.settle();
    assert.deepEqual(h.written, [
      `${first.lastSequenceNumber}:2`,
      `${second.lastSequenceNumber}:2`,
      `${third.lastSequenceNumber}:3`,
    ]);
    assert.deepEqual(h.ended, ['first', 'second', 'third']);
  });

  test('parked flushes fill the chain up to MAX_FLUSHES_IN_FLIGHT, then it waits for the oldest to end', async () => {
    const h = harness();
    h.start('f0', flushOf('k'));
    await settled();
    h.calls[0]?.allSent();
    for (let i = 1; i < MAX_FLUSHES_IN_FLIGHT; i++) {
      assert.equal(h.chain.ready, true, `flush ${i} may start`);
      h.start(`f${i}`, flushOf('k'));
      await settled();
    }
    assert.equal(h.calls.length, 1, 'every later flush writes k: all of it waits');
    assert.equal(h.chain.inFlight, MAX_FLUSHES_IN_FLIGHT);
    assert.equal(h.chain.ready, false, 'the chain is full');
    for (let i = 0; i < MAX_FLUSHES_IN_FLIGHT; i++) {
      h.calls[i]?.allSent();
      h.calls[i]?.succeed();
      await settled();
    }
    await h.chain.settle();
    assert.equal(h.written.length, MAX_FLUSHES_IN_FLIGHT);
    assert.deepEqual(
      h.ended,
      Array.from({ length: MAX_FLUSHES_IN_FLIGHT }, (_, i) => `f${i}`),
    );
  });
});
