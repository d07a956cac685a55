// dynamodb-local: shared
// A quiet shard is read less and less often: after its last records, the wait between GetRecords calls doubles
// from --poll-interval-ms up to --max-poll-interval-ms (stream/poll-pace.ts), so an idle shard costs about one read
// a second instead of ten. The worker reads its stream from the stream server, whose access log shows every call;
// a change after the quiet spell is still replicated.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  assertTablesConverge,
  createFixture,
  type ReplicationFixture,
} from '../support/replication-fixture.js';
import { ReplicatorProcess } from '../support/replicator-process.js';
import { serveSourceStream, type ServedSourceStream } from '../support/stream-server/serve-source-stream.js';
import { waitFor } from '../support/wait-for.js';

let fixture: ReplicationFixture | undefined;
let served: ServedSourceStream | undefined;
after(async () => {
  await served?.close();
  await fixture?.cleanup();
});

/** The window of quiet reads to look at: long enough for the back-off to reach its cap and stay there. */
const QUIET_WINDOW_MS = 5_000;

test('an idle shard backs off to the longest interval, and a change after the quiet spell is replicated', async () => {
  fixture = await createFixture({ prefix: 'idle' });
  served = await serveSourceStream(fixture.source, fixture.sourceTable);
  const put = (i: number) =>
    fixture?.source.send(
      new PutItemCommand({
        TableName: fixture.sourceTable,
        Item: { pk: { S: `k-${i}` }, n: { N: String(i) } },
      }),
    );
  for (let i = 0; i < 5; i++) await put(i);

  const log = served.server.log;
  const worker = new ReplicatorProcess(
    fixture.args([...served.args(), '--poll-interval-ms', '100', '--max-poll-interval-ms', '1000']),
  );
  try {
    await assertTablesConverge(fixture);
    const lastRecords = log.entries((e) => e.operation === 'GetRecords' && (e.records ?? 0) > 0).at(-1);
    assert.ok(lastRecords !== undefined, 'the records were served');
    const quietReads = () =>
      log.entries((e) => e.operation === 'GetRecords' && e.index > lastRecords.index && e.outcome === 'ok');
    const window = await waitFor(
      `GetRecords calls spanning ${QUIET_WINDOW_MS} ms of quiet`,
      () => {
        const reads = quietReads();
        const first = reads[0];
        const last = reads.at(-1);
        return first !== undefined && last !== undefined && last.atMs - first.atMs >= QUIET_WINDOW_MS
          ? reads
          : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    // A fixed 100 ms pace would be about 50 reads in the window; the back-off gives 100+200+400+800 ms and then
    // one a second: about 8.
    assert.ok(
      window.every((e) => e.records === 0),
      'nothing was served in the quiet window',
    );
    assert.ok(window.length <= 15, `${window.length} GetRecords calls in ${QUIET_WINDOW_MS} ms of quiet`);
    const gaps = window.slice(1).map((e, i) => e.atMs - (window[i]?.atMs ?? e.atMs));
    assert.ok(
      (gaps.at(-1) ?? 0) >= 500,
      `the wait grew towards the longest interval: gaps ${gaps.join(', ')} ms`,
    );

    // The first change after the quiet spell still arrives.
    await put(100);
    const diff = await assertTablesConverge(fixture);
    assert.equal(diff.compared, 6);
    assert.equal((await worker.stop()).code, 0, worker.describe());
    assert.deepEqual(worker.errors(), []);
  } finally {
    await worker.kill();
  }
});
