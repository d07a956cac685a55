import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import { EventBus } from './events.js';
import { logEvents } from './log-events.js';

function setup() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const events = new EventBus();
  logEvents(events, pino({ level: 'info' }, stream));
  return { events, lines };
}

describe('logEvents: retries that keep failing', () => {
  test('a read failing a 5th time is a warning that names the error, not only its class', () => {
    const { events, lines } = setup();
    const error = 'a request has exceeded the configured 10000 ms requestTimeout';
    for (let attempt = 1; attempt <= 5; attempt++) {
      events.emit('read.retried', { shardId: 's1', reason: 'network', attempt, delayMs: 100, error });
    }
    assert.deepEqual(
      lines.map((l) => [l.level, l.msg, l.shardId, l.reason, l.error]),
      [[40, 'reads from the stream keep failing; retrying', 's1', 'network', error]],
    );
  });

  test('a write failing a 5th time names the error; unprocessed items have none to name', () => {
    const { events, lines } = setup();
    const base = { table: 'dest', items: 25, delayMs: 100 };
    for (let attempt = 1; attempt <= 5; attempt++) {
      events.emit('write.retried', {
        ...base,
        reason: 'throttled',
        attempt,
        error: 'Rate of requests exceeds',
      });
    }
    for (let attempt = 1; attempt <= 10; attempt++) {
      events.emit('write.retried', { ...base, reason: 'unprocessed', attempt });
    }
    assert.deepEqual(
      lines.map((l) => [l.msg, l.reason, l.attempt, l.error]),
      [
        ['writes to the destination keep failing; retrying', 'throttled', 5, 'Rate of requests exceeds'],
        ['writes to the destination keep failing; retrying', 'unprocessed', 5, undefined],
        ['writes to the destination keep failing; retrying', 'unprocessed', 10, undefined],
      ],
    );
  });
});
