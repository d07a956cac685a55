import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WriteRequest } from '@aws-sdk/client-dynamodb';
import type { BootstrapState } from '../bootstrap/bootstrap-items.js';
import type { ChangeRecord } from '../stream/change-record.js';
import type { WriteOptions, WriteOutcome } from '../writer/table-writer.js';
import { SpoolSink } from './spool-sink.js';

const change: ChangeRecord = {
  sequenceNumber: '7',
  eventName: 'MODIFY',
  keys: { pk: { S: 'a' } },
  newImage: { pk: { S: 'a' }, v: { N: '1' } },
  createdAtMs: undefined,
  sizeBytes: 1,
};
const OUTCOME: WriteOutcome = { puts: 1, deletes: 0, requests: 1, retries: 0 };

/** A sink over recording writers and a phase that a test moves at chosen moments. */
function harness(states: BootstrapState[]) {
  const log: string[] = [];
  let state = states.shift() ?? 'copying';
  const sink = new SpoolSink({
    phase: { current: () => Promise.resolve(state) },
    spool: {
      tableName: 'spool',
      writeRequests: async (writes: readonly WriteRequest[], options: WriteOptions) => {
        await options.beforeSend?.();
        log.push(`spool g${writes[0]?.PutRequest?.Item?.g?.N}`);
        // The phase moves while this request is out, as another worker's drain moves it.
        const next = states.shift();
        if (next !== undefined) state = next;
        return OUTCOME;
      },
    },
    destination: {
      write: (changes: readonly ChangeRecord[]) => {
        log.push(`destination ${changes.length}`);
        return Promise.resolve(OUTCOME);
      },
    },
  });
  const write = () => sink.write([change], { signal: new AbortController().signal, beforeSend: () => 0 });
  return { log, write, setState: (s: BootstrapState) => (state = s) };
}

test('while copying and draining a flush goes to the spool only, stamped with the phase', async () => {
  const copying = harness(['copying']);
  await copying.write();
  assert.deepEqual(copying.log, ['spool g1']);
  const draining = harness(['draining']);
  await draining.write();
  assert.deepEqual(draining.log, ['spool g2']);
});

test('a switch while the spool write was out: the destination gets the flush too, after the spool', async () => {
  const h = harness(['draining', 'switching']);
  await h.write();
  assert.deepEqual(h.log, ['spool g2', 'destination 1']);
});

test('from the switch on: spool, then destination; once done: the destination only', async () => {
  const switching = harness(['switching']);
  await switching.write();
  assert.deepEqual(switching.log, ['spool g3', 'destination 1']);
  const done = harness(['done']);
  await done.write();
  assert.deepEqual(done.log, ['destination 1']);
});

test('a request about to go out under a phase that moved on restarts the flush in the new phase', async () => {
  const log: string[] = [];
  let state: BootstrapState = 'copying';
  let sends = 0;
  const sink = new SpoolSink({
    phase: { current: () => Promise.resolve(state) },
    spool: {
      tableName: 'spool',
      writeRequests: async (writes: readonly WriteRequest[], options: WriteOptions) => {
        // The phase moves between choosing the generation and the request's check.
        if (sends++ === 0) state = 'draining';
        await options.beforeSend?.();
        log.push(`spool g${writes[0]?.PutRequest?.Item?.g?.N}`);
        return OUTCOME;
      },
    },
    destination: { write: () => Promise.resolve(OUTCOME) },
  });
  await sink.write([change], { signal: new AbortController().signal, beforeSend: () => 0 });
  assert.deepEqual(log, ['spool g2'], 'nothing was sent stamped 1');
});
