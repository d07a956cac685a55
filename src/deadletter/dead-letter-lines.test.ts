import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ageText, deadLetterJson, deadLetterLine } from './dead-letter-lines.js';
import type { DeadLetter } from './dead-letter-item.js';

const letter: DeadLetter = {
  task: 't',
  shardId: 'shardId-1',
  key: 'Sa',
  change: {
    sequenceNumber: '42',
    eventName: 'INSERT',
    keys: { pk: { S: 'a' } },
    newImage: { pk: { S: 'a' } },
    createdAtMs: undefined,
    sizeBytes: 0,
  },
  error: 'ValidationException: type mismatch',
  at: '2026-01-01T00:00:00.000Z',
};

test('ageText', () => {
  assert.equal(ageText(5_400), '5s');
  assert.equal(ageText(600_000), '10m');
  assert.equal(ageText(3 * 3_600_000), '3h');
  assert.equal(ageText(72 * 3_600_000), '3d');
  assert.equal(ageText(-5), '0s');
});

test('one line: key, sequence number, event, shard, age, error', () => {
  const now = Date.parse(letter.at) + 90_000;
  assert.equal(
    deadLetterLine(letter, now),
    'key {"pk":{"S":"a"}} seq 42 INSERT shard shardId-1 age 90s: ValidationException: type mismatch',
  );
  assert.deepEqual(deadLetterJson(letter, now), {
    task: 't',
    key: { pk: { S: 'a' } },
    sequenceNumber: '42',
    eventName: 'INSERT',
    shardId: 'shardId-1',
    at: letter.at,
    ageMs: 90_000,
    error: 'ValidationException: type mismatch',
  });
});
