// Three worker processes started together on a stream of 12 shards (served by the stream server) split the shards
// at once: when all 12 leases are first owned, each worker owns 4, got each by one take of a free lease, and no
// hand-over was asked for or made. Together as a deployment starts them, a few hundred ms apart: each worker
// reaches the lease table through a gate of its own that holds its requests until all three have come (processes
// booting at once on one busy 2-core machine come ~1 s apart, more than the start settle absorbs), then lets them
// go 0, 150 and 300 ms later. So the second and third workers' presence items appear after the first worker's
// first look, which without the start settle cost hand-overs. The gate also records every lease-table write, so
// the test sees that none was wasted on the way: no take lost to another worker, no write to a lease the worker
// did not end up owning. The split is checked, not the speed: no assertion on how long anything took.
import assert from 'node:assert/strict';
import { Agent, createServer, request, type IncomingMessage, type Server } from 'node:http';
import { after, test } from 'node:test';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { sleep } from '../../src/util/sleep.js';
import { sourceEndpoint } from '../support/local-env.js';
import { createFixture } from '../support/replication-fixture.js';
import { ReplicatorProcess } from '../support/replicator-process.js';
import { leaseTable, shardLeaseItems } from '../support/stream-inspection.js';
import { serveSourceStream } from '../support/stream-server/serve-source-stream.js';
import { waitFor } from '../support/wait-for.js';

const SHARDS = 12;
const WORKERS = ['cold-a', 'cold-b', 'cold-c'];
/** How much later than the first each worker reaches the lease table, once all three are there. */
const HELD_BACK_MS = [0, 150, 300];

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** A write to one lease-table item, as a worker's gate forwarded it. */
interface LeaseWrite {
  readonly operation: string;
  readonly key: string;
  /** The condition failed: another worker got there first. */
  readonly refused: boolean;
}

const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem']);

/**
 * One HTTP endpoint per worker in front of the lease table's DynamoDB: a worker's requests wait until every
 * worker has sent one, then until its hold-back has passed; its writes are recorded.
 */
class LeaseTableGate {
  readonly #upstream = new URL(sourceEndpoint());
  readonly #agent = new Agent({ keepAlive: true });
  readonly #servers: Server[] = [];
  readonly #arrived = new Set<number>();
  #openAt: number | undefined;

  constructor(readonly workers: number) {}

  async open(worker: number, holdBackMs: number, writes: LeaseWrite[]): Promise<string> {
    const server = createServer((req, res) => {
      void (async () => {
        const body = await readAll(req);
        this.#arrived.add(worker);
        if (this.#arrived.size === this.workers) this.#openAt ??= Date.now();
        await waitFor('every worker at the lease table', () => this.#openAt, { intervalMs: 5 });
        await sleep((this.#openAt ?? 0) + holdBackMs - Date.now());
        const answer = await this.#forward(req, body);
        const operation =
          String(req.headers['x-amz-target'] ?? '')
            .split('.')
            .pop() ?? '';
        if (WRITES.has(operation)) writes.push(leaseWrite(operation, body, answer));
        res.writeHead(answer.status, answer.headers);
        res.end(answer.body);
      })().catch(() => res.destroy());
    });
    server.keepAliveTimeout = 120_000;
    this.#servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    return `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
  }

  async close(): Promise<void> {
    for (const server of this.#servers) server.closeAllConnections();
    await Promise.all(this.#servers.map((s) => new Promise((resolve) => s.close(resolve))));
    this.#agent.destroy();
  }

  #forward(req: IncomingMessage, body: Buffer): Promise<Answer> {
    const headers = { ...req.headers, 'content-length': String(body.length) };
    delete headers.connection;
    return new Promise((resolve, reject) => {
      const upstream = request(
        {
          host: this.#upstream.hostname,
          port: Number(this.#upstream.port),
          method: req.method,
          path: req.url,
          headers,
          agent: this.#agent,
        },
        (response) => {
          void readAll(response).then((answer) => {
            const out = { ...response.headers };
            delete out.connection;
            delete out['transfer-encoding'];
            resolve({ status: response.statusCode ?? 502, headers: out, body: answer });
          }, reject);
        },
      );
      upstream.on('error', reject);
      upstream.end(body);
    });
  }
}

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

async function readAll(stream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function leaseWrite(operation: string, request: Buffer, answer: Answer): LeaseWrite {
  type Keyed = { leaseKey?: { S?: string } };
  const body = JSON.parse(request.toString('utf8')) as { Key?: Keyed; Item?: Keyed };
  return {
    operation,
    key: (body.Key ?? body.Item)?.leaseKey?.S ?? '?',
    refused: answer.status === 400 && answer.body.toString('utf8').includes('ConditionalCheckFailed'),
  };
}

test('3 workers started 0, 150 and 300 ms apart on 12 shards own 4 each when all are first owned, without hand-overs', async () => {
  const fixture = await createFixture({ prefix: 'cold' });
  cleanups.push(() => fixture.cleanup());
  const served = await serveSourceStream(fixture.source, fixture.sourceTable, { shards: SHARDS });
  cleanups.push(() => served.close());
  const gate = new LeaseTableGate(WORKERS.length);
  cleanups.push(() => gate.close());
  const writes = new Map(WORKERS.map((id) => [id, [] as LeaseWrite[]]));
  const endpoints = await Promise.all(
    WORKERS.map((id, i) => gate.open(i, HELD_BACK_MS[i] ?? 0, writes.get(id) ?? [])),
  );

  // All spawned in one go, as a deployment starts them; none waits for another.
  const workers = WORKERS.map((id, i) => {
    const worker = new ReplicatorProcess(
      fixture.args([
        ...served.args(),
        ...['--worker-id', id, '--lease-endpoint', endpoints[i] ?? ''],
        // The default failover time: the start settle it implies is what a fleet gets out of the box.
        ...['--failover-ms', '10000', '--poll-interval-ms', '500'],
      ]),
    );
    cleanups.push(() => worker.kill());
    return { id, worker };
  });

  // The first moment every lease is owned, from the lease table itself.
  const owners = await waitFor(
    'all 12 leases owned',
    async () => {
      for (const { id, worker } of workers) {
        assert.equal(worker.child.exitCode, null, `${id} exited: ${worker.describe()}`);
      }
      const out = await fixture.source.send(
        new ScanCommand({ TableName: leaseTable(fixture.taskName), ConsistentRead: true }),
      );
      const leases = shardLeaseItems(out.Items ?? []);
      const owned = leases.map((item) => item.leaseOwner?.S).filter((o) => o !== undefined);
      return leases.length === SHARDS && owned.length === SHARDS ? owned : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 50 },
  );
  // Snapshot the writes at that moment, and the logs once the take lines of those 12 leases have come through the
  // pipes (a line may trail its write): what happens later (renewals, checkpoints) is not the start.
  const writesThen = new Map([...writes].map(([id, log]) => [id, [...log]]));
  const takenLines = (): number =>
    workers.reduce((sum, { worker }) => sum + worker.logs.filter((l) => l.msg === 'lease taken').length, 0);
  await waitFor('the 12 "lease taken" lines', () => takenLines() >= SHARDS, { timeoutMs: 30_000 });
  const logsThen = new Map(workers.map(({ id, worker }) => [id, [...worker.logs]]));

  const counts = WORKERS.map((id) => owners.filter((o) => o === id).length);
  const detail = `owners ${counts.join('/')}; ${workers
    .map(
      ({ id, worker }) =>
        `${id} replicating at ${String(worker.logs.find((l) => l.msg === 'replicating')?.time)}`,
    )
    .join(', ')}`;
  assert.deepEqual(counts, [4, 4, 4], detail);

  for (const id of WORKERS) {
    const logs = logsThen.get(id) ?? [];
    const taken = logs.filter((l) => l.msg === 'lease taken');
    assert.equal(taken.length, 4, `${id} took each of its leases once: ${detail}`);
    assert.ok(
      taken.every((l) => l.previousOwner === undefined),
      `${id} took free leases, none from another worker`,
    );
    for (const msg of ['asked for a lease to balance the fleet', 'handing lease over', 'lease released']) {
      assert.deepEqual(
        logs.filter((l) => l.msg === msg),
        [],
        `${id}: no "${msg}" at the start: ${detail}`,
      );
    }
    // No lease-table write wasted at the start: every write to a shard lease was to one of its own, and none lost.
    // Creating the leases (PutItem, by shard discovery, which every worker runs at start) is not taking them.
    const ownKeys = new Set(taken.map((l) => String(l.shardId)));
    const shardWrites = (writesThen.get(id) ?? []).filter(
      (w) => !w.key.startsWith('worker#') && w.operation !== 'PutItem',
    );
    assert.deepEqual(
      shardWrites.filter((w) => w.refused || !ownKeys.has(w.key)),
      [],
      `${id}: lease-table writes to leases it did not get, or refused: ${detail}`,
    );
  }

  // A clean stop still works from there: each worker exits 0 and says nothing at error level.
  for (const { id, worker } of workers) {
    const exit = await worker.stop(30_000);
    assert.equal(exit.code, 0, `${id}: ${worker.describe()}`);
    assert.deepEqual(worker.errors(), [], id);
  }
});
