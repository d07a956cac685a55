import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ChangeEvent, ChangeRecord, Item } from '../stream/change-record.js';
import { SquashBuffer, type Flush } from './squash-buffer.js';

let sequence = 0;

function record(
  eventName: ChangeEvent,
  keys: Item,
  extra: { value?: string; sizeBytes?: number; createdAtMs?: number; sequenceNumber?: string } = {},
): ChangeRecord {
  sequence += 1;
  return {
    sequenceNumber: extra.sequenceNumber ?? String(1000 + sequence),
    eventName,
    keys,
    newImage: eventName === 'REMOVE' ? undefined : { ...keys, value: { S: extra.value ?? `v${sequence}` } },
    createdAtMs: extra.createdAtMs,
    sizeBytes: extra.sizeBytes ?? 10,
  };
}

const pk = (id: string): Item => ({ pk: { S: id } });

function drained(buffer: SquashBuffer): Flush {
  const flush = buffer.drain();
  assert.ok(flush !== undefined, 'expected a flush');
  return flush;
}

describe('SquashBuffer', () => {
  test('a table key needs at least one attribute', () => {
    assert.throws(() => new SquashBuffer([]), RangeError);
  });

  test('drain of an empty buffer is undefined', () => {
    const buffer = new SquashBuffer(['pk']);
    assert.equal(buffer.drain(), undefined);
    assert.equal(buffer.recordCount, 0);
    assert.equal(buffer.size, 0);
  });

  test('distinct keys are all kept, in order', () => {
    const buffer = new SquashBuffer(['pk']);
    const records = [record('INSERT', pk('a')), record('INSERT', pk('b')), record('INSERT', pk('c'))];
    buffer.addAll(records);
    assert.equal(buffer.size, 3);
    assert.deepEqual(drained(buffer).changes, records);
  });

  test('the latest change per key wins', () => {
    const buffer = new SquashBuffer(['pk']);
    buffer.add(record('INSERT', pk('a'), { value: 'first' }));
    buffer.add(record('MODIFY', pk('a'), { value: 'second' }));
    buffer.add(record('MODIFY', pk('a'), { value: 'third' }));
    const flush = drained(buffer);
    assert.equal(flush.changes.length, 1);
    assert.equal(flush.changes[0]?.eventName, 'MODIFY');
    assert.deepEqual(flush.changes[0]?.newImage?.value, { S: 'third' });
  });

  test('insert, modify, remove of one key in one flush leaves the REMOVE', () => {
    const buffer = new SquashBuffer(['pk']);
    const remove = record('REMOVE', pk('a'));
    buffer.addAll([record('INSERT', pk('a')), record('MODIFY', pk('a')), remove]);
    const flush = drained(buffer);
    assert.deepEqual(flush.changes, [remove]);
    assert.equal(flush.changes[0]?.newImage, undefined);
  });

  test('remove then insert of one key leaves the INSERT', () => {
    const buffer = new SquashBuffer(['pk']);
    const insert = record('INSERT', pk('a'), { value: 'back' });
    buffer.addAll([record('REMOVE', pk('a')), insert]);
    assert.deepEqual(drained(buffer).changes, [insert]);
  });

  test('a squashed key moves to the place of its latest change', () => {
    const buffer = new SquashBuffer(['pk']);
    const b = record('INSERT', pk('b'));
    const a2 = record('MODIFY', pk('a'));
    buffer.addAll([record('INSERT', pk('a')), b, a2]);
    assert.deepEqual(drained(buffer).changes, [b, a2]);
  });

  test('recordCount counts squashed records, size counts keys', () => {
    const buffer = new SquashBuffer(['pk']);
    buffer.addAll([record('INSERT', pk('a')), record('MODIFY', pk('a')), record('INSERT', pk('b'))]);
    assert.equal(buffer.recordCount, 3);
    assert.equal(buffer.size, 2);
    const flush = drained(buffer);
    assert.equal(flush.recordCount, 3);
    assert.equal(flush.changes.length, 2);
  });

  test('bytes add up every record absorbed, squashed ones included', () => {
    const buffer = new SquashBuffer(['pk']);
    buffer.add(record('INSERT', pk('a'), { sizeBytes: 100 }));
    buffer.add(record('MODIFY', pk('a'), { sizeBytes: 30 }));
    buffer.add(record('INSERT', pk('b'), { sizeBytes: 7 }));
    assert.equal(buffer.bytes, 137);
    assert.equal(drained(buffer).bytes, 137);
  });

  test('lastSequenceNumber is the sequence number of the last record added', () => {
    const buffer = new SquashBuffer(['pk']);
    buffer.add(record('INSERT', pk('b'), { sequenceNumber: '300' }));
    buffer.add(record('INSERT', pk('a'), { sequenceNumber: '400' }));
    buffer.add(record('MODIFY', pk('b'), { sequenceNumber: '500' }));
    assert.equal(drained(buffer).lastSequenceNumber, '500');
  });

  test('newestCreatedAtMs is that of the last record that had one', () => {
    const buffer = new SquashBuffer(['pk']);
    buffer.add(record('INSERT', pk('a'), { createdAtMs: 1_000 }));
    buffer.add(record('INSERT', pk('b'), { createdAtMs: 2_000 }));
    buffer.add(record('INSERT', pk('c')));
    assert.equal(drained(buffer).newestCreatedAtMs, 2_000);
    buffer.add(record('INSERT', pk('d')));
    assert.equal(drained(buffer).newestCreatedAtMs, undefined);
  });

  test('drain empties the buffer and the next flush starts afresh', () => {
    const buffer = new SquashBuffer(['pk']);
    buffer.addAll([record('INSERT', pk('a'), { sizeBytes: 5 }), record('INSERT', pk('b'), { sizeBytes: 5 })]);
    drained(buffer);
    assert.equal(buffer.recordCount, 0);
    assert.equal(buffer.bytes, 0);
    assert.equal(buffer.size, 0);
    assert.equal(buffer.drain(), undefined);
    const later = record('MODIFY', pk('a'), { sizeBytes: 3, sequenceNumber: '900' });
    buffer.add(later);
    const flush = drained(buffer);
    assert.deepEqual(flush.changes, [later]);
    assert.equal(flush.recordCount, 1);
    assert.equal(flush.bytes, 3);
    assert.equal(flush.lastSequenceNumber, '900');
  });

  test('composite keys squash only when both parts match', () => {
    const buffer = new SquashBuffer(['pk', 'sk']);
    const key = (p: string, s: string): Item => ({ pk: { S: p }, sk: { S: s } });
    buffer.addAll([
      record('INSERT', key('a', '1')),
      record('INSERT', key('a', '2')),
      record('INSERT', key('b', '1')),
      record('MODIFY', key('a', '1'), { value: 'latest' }),
    ]);
    const flush = drained(buffer);
    assert.equal(flush.changes.length, 3);
    assert.equal(flush.recordCount, 4);
    const a1 = flush.changes.find((c) => c.keys.pk?.S === 'a' && c.keys.sk?.S === '1');
    assert.deepEqual(a1?.newImage?.value, { S: 'latest' });
  });

  test('numbers "1.0" and "1" are one key and squash together', () => {
    const buffer = new SquashBuffer(['id']);
    buffer.add(record('INSERT', { id: { N: '1.0' } }));
    const last = record('MODIFY', { id: { N: '1' } });
    buffer.add(last);
    buffer.add(record('INSERT', { id: { N: '10' } }));
    const flush = drained(buffer);
    assert.equal(flush.changes.length, 2);
    assert.equal(flush.changes[0], last);
  });

  test('a string "1" and a number 1 are different keys', () => {
    const buffer = new SquashBuffer(['id']);
    buffer.addAll([record('INSERT', { id: { S: '1' } }), record('INSERT', { id: { N: '1' } })]);
    assert.equal(buffer.size, 2);
  });

  test('a record without the key attribute is refused and leaves the buffer unchanged', () => {
    const buffer = new SquashBuffer(['pk']);
    buffer.add(record('INSERT', pk('a')));
    assert.throws(() => buffer.add(record('INSERT', { other: { S: 'x' } })), TypeError);
    assert.equal(buffer.recordCount, 1);
    assert.equal(buffer.size, 1);
  });

  test('with keepEarlier, the surviving change carries the ones it replaced, oldest first, flat', () => {
    const buffer = new SquashBuffer(['pk'], true);
    const first = record('INSERT', pk('a'), { value: 'one' });
    const second = record('MODIFY', pk('a'), { value: 'two' });
    const other = record('INSERT', pk('b'));
    const third = record('REMOVE', pk('a'));
    buffer.addAll([first, second, other, third]);
    const flush = drained(buffer);
    const survivor = flush.changes.find((c) => c.keys.pk?.S === 'a');
    assert.equal(survivor?.sequenceNumber, third.sequenceNumber);
    assert.deepEqual(
      survivor?.earlier?.map((c) => c.sequenceNumber),
      [first.sequenceNumber, second.sequenceNumber],
    );
    assert.ok(survivor?.earlier?.every((c) => c.earlier === undefined));
    assert.equal(flush.changes.find((c) => c.keys.pk?.S === 'b')?.earlier, undefined);
  });

  test('without keepEarlier, nothing of the replaced changes is kept', () => {
    const buffer = new SquashBuffer(['pk']);
    buffer.addAll([record('INSERT', pk('a')), record('MODIFY', pk('a'))]);
    assert.equal(drained(buffer).changes[0]?.earlier, undefined);
  });
});
