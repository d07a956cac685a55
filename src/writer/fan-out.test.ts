import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Flush } from '../buffer/squash-buffer.js';
import { StoppedError } from '../errors/replicator-error.js';
import { flushOf, settled } from '../../tests/support/flushes.js';
import { FanOut } from './fan-out.js';
import type { WriteOutcome } from './table-writer.js';

/** One write call of one lane, answered by the test. */
interface Call {
  readonly lane: string;
  readonly keys: string[];
  readonly allSent: () => void;
  readonly succeed: () => void;
  readonly fail: (error: unknown) => void;
}

function harness(laneNames: readonly string[], signal = new AbortController().signal) {
  const calls: Call[] = [];
  const written: string[] = [];
  const ended: string[] = [];
  const backlog = new Map<string, number>();
  const fanOut = new FanOut({
    signal,
    lanes: laneNames.map((lane) => ({
      name: lane,
      write: (records, options) =>
        new Promise<WriteOutcome>((resolve, reject) => {
          const keys = records.map((r) => r.keys.pk?.S ?? '?');
          options.signal.addEventListener('abort', () => reject(new StoppedError()), { once: true });
          calls.push({
            lane,
            keys,
            allSent: options.onAllSent,
            succeed: () => resolve({ puts: keys.length, deletes: 0, requests: 1, retries: 0 }),
            fail: reject,
          });
        }),
    })),
    onWritten: (flush, outcome) => written.push(`${flush.lastSequenceNumber}:${outcome.puts}`),
    onChange: () => undefined,
    onBacklog: (lane, records) => backlog.set(lane, records),
  });
  const start = (name: string, flush: Flush): void => fanOut.start(flush, () => ended.push(name));
  /** The open call of a lane (the oldest not yet answered). */
  const callOf = (lane: string, index = 0): Call => {
    const call = calls.filter((c) => c.lane === lane)[index];
    assert.ok(call !== undefined, `no call ${index} of lane ${lane}`);
    return call;
  };
  return { fanOut, calls, written, ended, backlog, start, callOf };
}

describe('FanOut', () => {
  test('needs a destination', () => {
    assert.throws(
      () =>
        new FanOut({
          lanes: [],
          signal: new AbortController().signal,
          onWritten: () => undefined,
          onChange: () => undefined,
        }),
      RangeError,
    );
  });

  test('a flush is written, and ended, only once every destination wrote it; outcomes are summed', async () => {
    const h = harness(['east', 'west']);
    const flush = flushOf('a', 'b');
    h.start('f1', flush);
    await settled();
    assert.deepEqual(
      h.calls.map((c) => `${c.lane}:${c.keys.join(',')}`),
      ['east:a,b', 'west:a,b'],
    );
    h.callOf('east').succeed();
    await settled();
    assert.deepEqual(h.written, [], 'one destination is not enough');
    assert.deepEqual(h.ended, []);
    assert.equal(h.fanOut.records, 2);
    h.callOf('west').succeed();
    await h.fanOut.settle();
    assert.deepEqual(h.written, [`${flush.lastSequenceNumber}:4`]);
    assert.deepEqual(h.ended, ['f1']);
    assert.equal(h.fanOut.records, 0);
  });

  test('a slow destination holds back only its own writes: the fast one goes on, flushes queue for the slow one', async () => {
    const h = harness(['fast', 'slow']);
    const flushes = [flushOf('a'), flushOf('b'), flushOf('c')];
    h.start('f1', flushes[0] as Flush);
    await settled();
    for (const [i, flush] of flushes.slice(1).entries()) {
      // The fast lane sends and finishes each flush; the slow one never answers.
      h.callOf('fast', i).allSent();
      h.callOf('fast', i).succeed();
      await settled();
      assert.equal(h.fanOut.ready, true, 'the fast destination can take the next flush');
      h.start(`f${i + 2}`, flush);
      await settled();
    }
    h.callOf('fast', 2).succeed();
    await settled();
    assert.equal(h.calls.filter((c) => c.lane === 'fast').length, 3);
    assert.equal(h.calls.filter((c) => c.lane === 'slow').length, 1, 'the slow lane started only its first');
    assert.deepEqual(h.written, [], 'nothing is checkpointed before the slow destination wrote it');
    assert.equal(h.fanOut.records, 3, 'their records stay held against the memory budget');
    assert.equal(h.backlog.get('slow'), 3);
    assert.equal(h.backlog.get('fast'), 0);
    assert.equal(h.fanOut.ready, true);

    // The slow lane catches up: every flush completes, in order.
    h.callOf('slow', 0).allSent();
    h.callOf('slow', 0).succeed();
    await settled();
    h.callOf('slow', 1).allSent();
    h.callOf('slow', 1).succeed();
    await settled();
    h.callOf('slow', 2).succeed();
    await h.fanOut.settle();
    assert.deepEqual(
      h.written,
      flushes.map((f) => `${f.lastSequenceNumber}:2`),
    );
    assert.deepEqual(h.ended, ['f1', 'f2', 'f3']);
    assert.equal(h.backlog.get('slow'), 0);
  });

  test('not ready while no destination can start a flush at once', async () => {
    const h = harness(['east', 'west']);
    h.start('f1', flushOf('a'));
    await settled();
    assert.equal(h.fanOut.ready, false, 'both lanes still sending');
    h.callOf('west').allSent();
    await settled();
    assert.equal(h.fanOut.ready, true, 'west has sent everything and may overlap the next flush');
  });

  test('a failed destination: its error is thrown, nothing after is checkpointed, settle still ends', async () => {
    const h = harness(['east', 'west']);
    const first = flushOf('a');
    h.start('f1', first);
    await settled();
    h.callOf('east').allSent();
    h.callOf('west').allSent();
    h.start('f2', flushOf('b'));
    await settled();
    h.callOf('east', 0).succeed();
    h.callOf('east', 1).succeed();
    h.callOf('west', 0).fail(new Error('validation'));
    await h.fanOut.settle();
    assert.throws(() => h.fanOut.throwIfFailed(), /validation/);
    assert.deepEqual(h.written, [], 'the failed flush and the one after are not written everywhere');
    assert.deepEqual(h.ended, ['f1', 'f2'], 'their memory is released');
    assert.equal(h.fanOut.ready, true, 'the healthy lane can still take flushes');
  });

  test('abort drops what no lane started, and the flushes in flight end', async () => {
    const abort = new AbortController();
    const h = harness(['fast', 'slow'], abort.signal);
    h.start('f1', flushOf('a'));
    await settled();
    h.callOf('fast').allSent();
    h.callOf('fast').succeed();
    await settled();
    h.start('f2', flushOf('b'));
    await settled();
    abort.abort();
    await h.fanOut.settle();
    assert.deepEqual(h.ended.sort(), ['f1', 'f2']);
    assert.deepEqual(h.written, []);
    assert.throws(() => h.fanOut.throwIfFailed(), StoppedError);
  });

  test('one destination behaves as a plain flush chain', async () => {
    const h = harness(['only']);
    const flush = flushOf('a', 'b', 'c');
    h.start('f1', flush);
    await settled();
    h.callOf('only').succeed();
    await h.fanOut.settle();
    assert.deepEqual(h.written, [`${flush.lastSequenceNumber}:3`]);
    assert.deepEqual(h.ended, ['f1']);
  });
});
