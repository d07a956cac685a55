import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { WriteRequest } from '@aws-sdk/client-dynamodb';
import pino from 'pino';
import { EventBus } from '../observability/events.js';
import type { DestinationRules } from '../rules/destination-writes.js';
import type { ChangeRecord } from '../stream/change-record.js';
import type { RefusedWrite, TableWriter, WriteOptions } from '../writer/table-writer.js';
import { WriteFailedError } from '../writer/table-writer.js';
import { deadLetterOf, type DeadLetter } from './dead-letter-item.js';
import { BLOCKED_ERROR, DeadLetterLane } from './dead-letter-lane.js';
import type { DeadLetterStore } from './dead-letter-store.js';
import { pkRules } from '../../tests/support/destination-rules.js';

const change = (id: string, seq: string, bad = false): ChangeRecord => ({
  sequenceNumber: seq,
  eventName: 'MODIFY',
  keys: { pk: { S: id } },
  newImage: { pk: { S: id }, ...(bad ? { bad: { BOOL: true } } : {}) },
  createdAtMs: undefined,
  sizeBytes: 0,
});

class FakeStore {
  readonly tableName = 'dlq';
  readonly letters: DeadLetter[] = [];
  scans = 0;
  keys(): Promise<Set<string>> {
    this.scans += 1;
    return Promise.resolve(new Set(this.letters.map((l) => l.key)));
  }
  hasKey(key: string): Promise<boolean> {
    return Promise.resolve(this.letters.some((l) => l.key === key));
  }
  put(letter: DeadLetter): Promise<void> {
    this.letters.push(letter);
    return Promise.resolve();
  }
}

/** Refuses (as a validation error) every put whose item has `bad`. */
class FakeWriter {
  readonly tableName = 'dest';
  readonly written: WriteRequest[] = [];
  copyRefused = false;
  writeRequests(requests: readonly WriteRequest[], options: WriteOptions) {
    let puts = 0;
    for (const request of requests) {
      if (request.PutRequest !== undefined) puts += 1;
      if (request.PutRequest?.Item?.bad !== undefined) {
        const refused: RefusedWrite = {
          request: this.copyRefused ? structuredClone(request) : request,
          error: new WriteFailedError('validation', `refused ${JSON.stringify(request.PutRequest.Item.pk)}`),
        };
        assert.ok(options.refused !== undefined, 'the lane asks for refusals');
        options.refused.push(refused);
      } else {
        this.written.push(request);
      }
    }
    return Promise.resolve({ puts, deletes: requests.length - puts, requests: 1, retries: 0 });
  }
}

function lane(store: FakeStore, writer: FakeWriter, rules?: DestinationRules) {
  const events = new EventBus();
  const counted: number[] = [];
  events.on('records.dead-lettered', (e) => counted.push(e.count));
  const instance = new DeadLetterLane({
    store: store as unknown as DeadLetterStore,
    task: 'task',
    writer: writer as unknown as TableWriter,
    rules,
    sourceKeyAttributes: ['pk'],
    destinationKeyAttributes: ['pk'],
    events,
    logger: pino({ level: 'silent' }),
    now: () => new Date(0),
  });
  return { instance, counted };
}

const signal = new AbortController().signal;
const written = (writer: FakeWriter): string[] =>
  writer.written.map((r) => r.PutRequest?.Item?.pk?.S ?? `-${r.DeleteRequest?.Key?.pk?.S ?? ''}`);

describe('DeadLetterLane', () => {
  test('a refused write is dead-lettered, the rest written; later changes of its key follow it', async () => {
    const store = new FakeStore();
    const writer = new FakeWriter();
    const { instance, counted } = lane(store, writer);
    const first = await instance.write('s1', [change('a', '1'), change('b', '2', true)], { signal });
    assert.deepEqual(written(writer), ['a']);
    assert.deepEqual(
      store.letters.map((l) => [l.key, l.change.sequenceNumber, l.shardId]),
      [['Sb', '2', 's1']],
    );
    assert.match(store.letters[0]?.error ?? '', /refused/);
    assert.equal(first.puts, 1);
    assert.equal(first.deadLettered, 1);

    // A good change of the blocked key must not overtake the refused one.
    await instance.write('s1', [change('b', '3'), change('c', '4')], { signal });
    assert.deepEqual(written(writer), ['a', 'c']);
    assert.deepEqual(
      store.letters.map((l) => [l.change.sequenceNumber, l.error]),
      [
        ['2', store.letters[0]?.error],
        ['3', BLOCKED_ERROR],
      ],
    );
    assert.deepEqual(counted, [1, 1]);
  });

  test('once replay emptied the key, its next change is written and the key unblocked', async () => {
    const store = new FakeStore();
    const writer = new FakeWriter();
    const { instance } = lane(store, writer);
    await instance.write('s1', [change('b', '2', true)], { signal });
    store.letters.length = 0;
    await instance.write('s1', [change('b', '5')], { signal });
    assert.deepEqual(written(writer), ['b']);
    assert.equal(store.letters.length, 0);
  });

  test("a shard's start loads the keys another worker dead-lettered", async () => {
    const store = new FakeStore();
    const writer = new FakeWriter();
    const { instance } = lane(store, writer);
    await instance.write('s1', [change('x', '1')], { signal });
    assert.equal(store.scans, 1);
    // Another worker, which held the shard before, dead-lettered key k.
    store.letters.push(
      deadLetterOf(
        change('k', '1'),
        { task: 'task', shardId: 's2', keyAttributes: ['pk'] },
        'e',
        new Date(0),
      ),
    );
    instance.shardStarted();
    await instance.write('s2', [change('k', '9')], { signal });
    assert.equal(store.scans, 2);
    assert.deepEqual(written(writer), ['x']);
    assert.deepEqual(
      store.letters.map((l) => l.change.sequenceNumber),
      ['1', '9'],
    );
  });

  test('a refusal of a copied request is matched by its destination key', async () => {
    const store = new FakeStore();
    const writer = new FakeWriter();
    writer.copyRefused = true;
    const { instance } = lane(store, writer);
    await instance.write('s1', [change('b', '2', true)], { signal });
    assert.deepEqual(
      store.letters.map((l) => l.key),
      ['Sb'],
    );
  });

  test('with rules: a change the transform throws on is dead-lettered, the others written', async () => {
    const store = new FakeStore();
    const writer = new FakeWriter();
    const rules = pkRules({
      transform: (image) => {
        if (image.boom !== undefined) throw new TypeError('boom');
        return image;
      },
    });
    const { instance } = lane(store, writer, rules);
    const boom: ChangeRecord = { ...change('t', '7'), newImage: { pk: { S: 't' }, boom: { S: '1' } } };
    await instance.write('s1', [change('a', '6'), boom], { signal });
    assert.deepEqual(written(writer), ['a']);
    assert.equal(store.letters.length, 1);
    assert.match(store.letters[0]?.error ?? '', /transform of key .* threw: TypeError: boom/);
  });
});
