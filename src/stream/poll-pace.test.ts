import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { nextEmptyReads, READ_FLOOR_MS, readIntervalMs, type PollPace } from './poll-pace.js';

const PACE: PollPace = { pollIntervalMs: 100, maxPollIntervalMs: 1000 };
const EMPTY = { records: 0, full: false };
const SOME = { records: 3, full: false };
const FULL = { records: 1000, full: true };

describe('readIntervalMs', () => {
  test('a full page: read again at once, whatever came before', () => {
    for (const emptyReads of [0, 1, 5, 100]) assert.equal(readIntervalMs(PACE, FULL, emptyReads), 0);
  });

  test('a page with records: read again after the floor, not the poll interval (a shard under load)', () => {
    assert.equal(READ_FLOOR_MS, 25);
    assert.equal(readIntervalMs(PACE, SOME, 0), 25);
    // A poll interval below the floor is the user's (or a test's) choice and is kept.
    assert.equal(readIntervalMs({ pollIntervalMs: 10, maxPollIntervalMs: 1000 }, SOME, 0), 10);
    assert.equal(readIntervalMs({ pollIntervalMs: 0, maxPollIntervalMs: 1000 }, SOME, 0), 0);
    // A long poll interval (cost first) still reads a busy shard at the floor: records wait behind it.
    assert.equal(readIntervalMs({ pollIntervalMs: 5000, maxPollIntervalMs: 5000 }, SOME, 0), 25);
  });

  test('a busy shard is never read more than 40 times a second (one page with records after another)', () => {
    let elapsedMs = 0;
    let reads = 0;
    while (elapsedMs < 10_000) {
      elapsedMs += readIntervalMs(PACE, SOME, nextEmptyReads(0, SOME));
      reads += 1;
    }
    assert.equal(reads, 400);
  });

  test('empty pages in a row: 100, 200, 400, 800, then the longest interval, and it stays there', () => {
    let emptyReads = 0;
    const waits: number[] = [];
    for (let i = 0; i < 8; i++) {
      emptyReads = nextEmptyReads(emptyReads, EMPTY);
      waits.push(readIntervalMs(PACE, EMPTY, emptyReads));
    }
    assert.deepEqual(waits, [100, 200, 400, 800, 1000, 1000, 1000, 1000]);
  });

  test('the first record after a quiet spell brings back the fast pace', () => {
    let emptyReads = 0;
    for (let i = 0; i < 20; i++) emptyReads = nextEmptyReads(emptyReads, EMPTY);
    emptyReads = nextEmptyReads(emptyReads, SOME);
    assert.equal(emptyReads, 0);
    assert.equal(readIntervalMs(PACE, SOME, emptyReads), READ_FLOOR_MS);
    emptyReads = nextEmptyReads(emptyReads, EMPTY);
    assert.equal(readIntervalMs(PACE, EMPTY, emptyReads), 100, 'one empty page: the base interval');
  });

  test('an idle shard costs at most about one read a second once backed off', () => {
    let emptyReads = 0;
    let elapsedMs = 0;
    let reads = 0;
    while (elapsedMs < 60_000) {
      emptyReads = nextEmptyReads(emptyReads, EMPTY);
      elapsedMs += readIntervalMs(PACE, EMPTY, emptyReads);
      reads += 1;
    }
    assert.ok(reads <= 64, `${reads} reads in a quiet minute`);
  });

  test('a longest interval below the poll interval never shortens the poll interval', () => {
    const pace = { pollIntervalMs: 2000, maxPollIntervalMs: 1000 };
    for (const emptyReads of [1, 2, 10]) assert.equal(readIntervalMs(pace, EMPTY, emptyReads), 2000);
  });

  test('a poll interval of 0 stays 0 (no back-off from nothing), and a long quiet spell cannot overflow', () => {
    assert.equal(readIntervalMs({ pollIntervalMs: 0, maxPollIntervalMs: 1000 }, EMPTY, 50), 0);
    assert.equal(readIntervalMs(PACE, EMPTY, Number.MAX_SAFE_INTEGER), 1000);
  });
});
