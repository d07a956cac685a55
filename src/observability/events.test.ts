import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EventBus } from './events.js';

describe('EventBus', () => {
  test('every listener of an event is called with the payload, in order of subscription', () => {
    const bus = new EventBus();
    const calls: string[] = [];
    bus.on('shard.ended', ({ shardId }) => calls.push(`first ${shardId}`));
    bus.on('shard.ended', ({ shardId }) => calls.push(`second ${shardId}`));
    bus.emit('shard.ended', { shardId: 's1' });
    assert.deepEqual(calls, ['first s1', 'second s1']);
  });

  test('listeners of other events are not called', () => {
    const bus = new EventBus();
    const calls: string[] = [];
    bus.on('lease.lost', () => calls.push('lost'));
    bus.emit('lease.taken', { shardId: 's1', previousOwner: undefined, checkpoint: 'TRIM_HORIZON' });
    assert.deepEqual(calls, []);
  });

  test('emitting an event nobody listens to does nothing', () => {
    const bus = new EventBus(() => assert.fail('no listener error expected'));
    assert.doesNotThrow(() => bus.emit('lease.released', { shardId: 's1' }));
  });

  test('the payload reaches the listener unchanged', () => {
    const bus = new EventBus();
    const payloads: unknown[] = [];
    bus.on('batch.flushed', (payload) => payloads.push(payload));
    const payload = {
      shardId: 's1',
      records: 10,
      puts: 6,
      deletes: 2,
      durationMs: 12,
      lastSequenceNumber: '900',
      newestCreatedAtMs: 1_700_000_000_000,
    };
    bus.emit('batch.flushed', payload);
    assert.deepEqual(payloads, [payload]);
  });

  test('unsubscribe stops the calls of that listener only', () => {
    const bus = new EventBus();
    const calls: string[] = [];
    const off = bus.on('shard.ended', () => calls.push('a'));
    bus.on('shard.ended', () => calls.push('b'));
    bus.emit('shard.ended', { shardId: 's1' });
    off();
    bus.emit('shard.ended', { shardId: 's2' });
    assert.deepEqual(calls, ['a', 'b', 'b']);
  });

  test('unsubscribing twice is harmless', () => {
    const bus = new EventBus();
    let count = 0;
    const off = bus.on('shard.ended', () => (count += 1));
    off();
    off();
    bus.emit('shard.ended', { shardId: 's1' });
    assert.equal(count, 0);
  });

  test('one function subscribed to two events is called for each', () => {
    const bus = new EventBus();
    const seen: string[] = [];
    const listener = ({ shardId }: { shardId: string }): void => {
      seen.push(shardId);
    };
    bus.on('shard.ended', listener);
    bus.on('lease.released', listener);
    bus.emit('shard.ended', { shardId: 'a' });
    bus.emit('lease.released', { shardId: 'b' });
    assert.deepEqual(seen, ['a', 'b']);
  });

  test('a throwing listener does not stop the others and is reported', () => {
    const reported: unknown[] = [];
    const bus = new EventBus((err) => reported.push(err));
    const calls: string[] = [];
    const failure = new Error('listener bug');
    bus.on('shard.ended', () => calls.push('before'));
    bus.on('shard.ended', () => {
      throw failure;
    });
    bus.on('shard.ended', () => calls.push('after'));
    assert.doesNotThrow(() => bus.emit('shard.ended', { shardId: 's1' }));
    assert.deepEqual(calls, ['before', 'after']);
    assert.deepEqual(reported, [failure]);
  });

  test('each throw is reported once per emit', () => {
    const reported: unknown[] = [];
    const bus = new EventBus((err) => reported.push(err));
    bus.on('lease.released', () => {
      throw new Error('one');
    });
    bus.on('lease.released', () => {
      throw new Error('two');
    });
    bus.emit('lease.released', { shardId: 's1' });
    bus.emit('lease.released', { shardId: 's1' });
    assert.deepEqual(
      reported.map((e) => (e as Error).message),
      ['one', 'two', 'one', 'two'],
    );
  });

  test('without an error handler a throwing listener is swallowed', () => {
    const bus = new EventBus();
    let reached = false;
    bus.on('shard.ended', () => {
      throw new Error('bug');
    });
    bus.on('shard.ended', () => (reached = true));
    assert.doesNotThrow(() => bus.emit('shard.ended', { shardId: 's1' }));
    assert.equal(reached, true);
  });
});
