import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { StoppedError } from '../errors/replicator-error.js';
import { FlushLoad, KeyBatches, type BatchRule } from './key-batches.js';

/** Long enough that a test waiting for it would time out: what is sent, is sent for another reason. */
const NEVER_MS = 600_000;

/** A rule of batches of up to `size` strings, answered by `answer`, recording what it sent. */
function rule(
  size: number,
  answer: (members: readonly string[]) => readonly string[] = (m) => m.map((x) => `ok ${x}`),
) {
  const sent: string[][] = [];
  const batchRule: BatchRule<string, string> = {
    fits: (members) => members.length < size,
    full: (members) => members.length >= size,
    send: async (_target, members) => {
      sent.push([...members]);
      await Promise.resolve();
      return answer(members);
    },
  };
  return { sent, batchRule };
}

describe('KeyBatches', () => {
  test('two kinds of batch share the flush: keys waiting in either are all the keys, so both go at once', async () => {
    const load = new FlushLoad(2);
    const signal = new AbortController().signal;
    const stamps = rule(25);
    const puts = rule(50);
    const a = new KeyBatches(load, stamps.batchRule, { windowMs: NEVER_MS, signal });
    const b = new KeyBatches(load, puts.batchRule, { windowMs: NEVER_MS, signal });
    const first = a.submit('local', 'k1');
    assert.deepEqual(stamps.sent, [], 'k2 may still join');
    const second = b.submit('remote', 'k2');
    assert.deepEqual(await Promise.all([first, second]), ['ok k1', 'ok k2']);
    assert.deepEqual([stamps.sent, puts.sent], [[['k1']], [['k2']]]);
    a.close();
    b.close();
  });

  test('a full batch goes at once; one that does not fit starts the next', async () => {
    const load = new FlushLoad(10);
    const { sent, batchRule } = rule(2);
    const batches = new KeyBatches(load, batchRule, {
      windowMs: NEVER_MS,
      signal: new AbortController().signal,
    });
    const answers = ['k1', 'k2', 'k3'].map((k) => batches.submit('local', k));
    assert.deepEqual(await Promise.all(answers.slice(0, 2)), ['ok k1', 'ok k2']);
    assert.deepEqual(sent, [['k1', 'k2']]);
    for (let i = 0; i < 9; i += 1) load.keyDone();
    assert.deepEqual(await answers[2], 'ok k3');
    assert.deepEqual(sent, [['k1', 'k2'], ['k3']]);
    batches.close();
  });

  test('the window sends a batch that nobody else joins', async () => {
    const load = new FlushLoad(5);
    const { sent, batchRule } = rule(25);
    const batches = new KeyBatches(load, batchRule, { windowMs: 1, signal: new AbortController().signal });
    assert.equal(await batches.submit('local', 'k1'), 'ok k1');
    assert.deepEqual(sent, [['k1']]);
    batches.close();
  });

  test('a send that throws fails each member with its error; an answer missing fails its member', async () => {
    const load = new FlushLoad(2);
    const boom = new Error('boom');
    const failing = new KeyBatches(
      load,
      { ...rule(25).batchRule, send: () => Promise.reject(boom) },
      { windowMs: NEVER_MS, signal: new AbortController().signal },
    );
    const both = [failing.submit('local', 'k1'), failing.submit('local', 'k2')];
    for (const p of both) await assert.rejects(p, (err) => err === boom);
    const short = new KeyBatches(
      new FlushLoad(2),
      rule(25, (m) => m.slice(0, 1).map((x) => `ok ${x}`)).batchRule,
      {
        windowMs: NEVER_MS,
        signal: new AbortController().signal,
      },
    );
    const [k1, k2] = [short.submit('local', 'k1'), short.submit('local', 'k2')];
    assert.equal(await k1, 'ok k1');
    await assert.rejects(k2, TypeError, 'the answers are matched by position: the second member got none');
    failing.close();
    short.close();
  });

  test('a stop fails what waits, and what is submitted after it', async () => {
    const stop = new AbortController();
    const batches = new KeyBatches(new FlushLoad(3), rule(25).batchRule, {
      windowMs: NEVER_MS,
      signal: stop.signal,
    });
    const waiting = batches.submit('local', 'k1');
    stop.abort();
    await assert.rejects(waiting, StoppedError);
    await assert.rejects(batches.submit('local', 'k2'), StoppedError);
    batches.close();
  });
});
