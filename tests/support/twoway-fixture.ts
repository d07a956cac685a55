// The two sides of a two-way pair as the integration tests set them up: side A on this test file's source
// instance, side B on the destination instance (two DynamoDB Local instances stand for two regions), a table on
// each with key `pk` (S), the task name, and the tables of ours named as `replicate --two-way` names them (each
// direction's lease table and conflict log, each side's tombstones), so that the cleanup removes everything the
// CLI created. The CLI flags of the pair, and the processes a test starts, killed at the end.
import type { DynamoDBClient, StreamViewType } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { LOCAL_CREDENTIALS } from '../../src/local/dynamodb-local.js';
import { createTable, deleteTableIfExists, scanAll, type TableKey } from '../../src/local/local-tables.js';
import type { Item } from '../../src/stream/change-record.js';
import { readConflicts, type Conflict } from '../../src/twoway/conflict-log.js';
import { isLinkItem } from '../../src/twoway/key-link.js';
import { markerNames, type Markers } from '../../src/twoway/markers.js';
import { TOMBSTONE } from '../../src/twoway/tombstone.js';
import { twoWayTableNames } from '../../src/twoway/two-way-tables.js';
import {
  DEST_REGION,
  SOURCE_REGION,
  destClient,
  destEndpoint,
  sourceClient,
  sourceEndpoint,
  uniqueName,
} from './local-env.js';
import { ReplicatorProcess } from './replicator-process.js';
import { leaseTable } from './stream-inspection.js';

export type SideName = 'a' | 'b';
export type Direction = 'a-b' | 'b-a';

export const PAIR_KEY: TableKey = { hash: { name: 'pk', type: 'S' } };

/** Items by their `pk`. */
export function byPk(items: readonly Item[]): Map<string, Item> {
  return new Map(items.map((item) => [item.pk?.S ?? '?', item]));
}

export class TwoWayPair {
  readonly a = sourceClient();
  readonly b = destClient();
  readonly markers: Markers = markerNames();
  /** Every process start() started, in order (a killed one stays listed). */
  readonly workers: ReplicatorProcess[] = [];
  readonly #streams = new Map<SideName, DynamoDBStreamsClient>();

  /** `<prefix>-<random>` is the task name; the tables are `<task>-a` and `<task>-b`. */
  constructor(
    prefix: string,
    readonly task = uniqueName(prefix),
    readonly tableA = `${task}-a`,
    readonly tableB = `${task}-b`,
  ) {}

  client(side: SideName): DynamoDBClient {
    return side === 'a' ? this.a : this.b;
  }

  table(side: SideName): string {
    return side === 'a' ? this.tableA : this.tableB;
  }

  endpoint(side: SideName): string {
    return side === 'a' ? sourceEndpoint() : destEndpoint();
  }

  region(side: SideName): string {
    return side === 'a' ? SOURCE_REGION : DEST_REGION;
  }

  /** The side's DynamoDB Streams client (one per side, destroyed by cleanup). */
  streams(side: SideName): DynamoDBStreamsClient {
    let client = this.#streams.get(side);
    if (client === undefined) {
      client = new DynamoDBStreamsClient({
        endpoint: this.endpoint(side),
        region: this.region(side),
        credentials: LOCAL_CREDENTIALS,
      });
      this.#streams.set(side, client);
    }
    return client;
  }

  /** The lease table of a direction: A→B's on side A, B→A's on side B. */
  leaseTable(direction: Direction): string {
    return leaseTable(`${this.task}.${direction}`);
  }

  /** Side X's tombstones, named after the lease table of the direction that reads X's stream. */
  tombstoneTable(side: SideName): string {
    return twoWayTableNames(this.leaseTable(side === 'a' ? 'a-b' : 'b-a')).tombstones;
  }

  /** A direction's conflict log, beside its lease table. */
  conflictTable(direction: Direction): string {
    return twoWayTableNames(this.leaseTable(direction)).conflicts;
  }

  /** The table flags of the pair and its task name, for replicate, verify, status and conflicts --two-way. */
  flags(endpoints: Partial<Record<SideName, string>> = {}): string[] {
    return [
      ...['--source-table', this.tableA, '--source-region', SOURCE_REGION],
      ...['--source-endpoint', endpoints.a ?? sourceEndpoint()],
      ...['--dest-table', this.tableB, '--dest-region', DEST_REGION],
      ...['--dest-endpoint', endpoints.b ?? destEndpoint()],
      ...['--task-name', this.task],
    ];
  }

  /** Both tables, with streams of `viewType`, or none. */
  async createTables(viewType: StreamViewType | 'no-stream' = 'NEW_AND_OLD_IMAGES'): Promise<void> {
    const stream = viewType === 'no-stream' ? undefined : viewType;
    await Promise.all([
      createTable(this.a, this.tableA, PAIR_KEY, stream),
      createTable(this.b, this.tableB, PAIR_KEY, stream),
    ]);
  }

  /** The CLI as a child process, killed by cleanup if it is still running. */
  start(args: readonly string[], env: NodeJS.ProcessEnv = {}): ReplicatorProcess {
    const worker = new ReplicatorProcess(args, env);
    this.workers.push(worker);
    return worker;
  }

  async itemsByKey(side: SideName): Promise<Map<string, Item>> {
    return byPk(await scanAll(this.client(side), this.table(side)));
  }

  /** Side X's tombstones: the stamp of each deleted `pk`. */
  async tombstones(side: SideName): Promise<Map<string, string>> {
    // Links (key-link.ts) share the table: only tombstones count here.
    const items = (await scanAll(this.client(side), this.tombstoneTable(side))).filter((t) => !isLinkItem(t));
    return new Map(items.map((t) => [t[TOMBSTONE.itemKeys]?.M?.pk?.S ?? '?', t[TOMBSTONE.stamp]?.S ?? '']));
  }

  /** Both directions' conflict logs. */
  async conflicts(): Promise<Conflict[]> {
    return [
      ...(await readConflicts(this.a, this.conflictTable('a-b'))),
      ...(await readConflicts(this.b, this.conflictTable('b-a'))),
    ];
  }

  /** Kills the processes still running, deletes both tables, ours and `extra`, and closes the clients. */
  async cleanup(extra: Partial<Record<SideName, readonly string[]>> = {}): Promise<void> {
    for (const worker of this.workers) await worker.kill();
    const ours = (side: SideName, direction: Direction): string[] => [
      this.table(side),
      this.leaseTable(direction),
      this.tombstoneTable(side),
      this.conflictTable(direction),
      ...(extra[side] ?? []),
    ];
    await Promise.all([
      ...ours('a', 'a-b').map((name) => deleteTableIfExists(this.a, name)),
      ...ours('b', 'b-a').map((name) => deleteTableIfExists(this.b, name)),
    ]);
    for (const client of [this.a, this.b, ...this.#streams.values()]) client.destroy();
  }
}
