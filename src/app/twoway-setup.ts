// Two-way replication's composition: the two directions (A→B reads A's stream, B→A reads B's; each is a task with
// its own lease table), the tables of ours they share, and the sink each direction's Replicator writes through.
// Tables: side X's tombstones sit with side X's table (same endpoint, region and credentials: a transaction checks
// them beside the put), named after the lease table of the direction that reads X's stream, `<lease>-tombstones`;
// each direction's conflict log is `<lease>-conflicts` beside its lease table. Checked at start: both streams
// carry NEW_AND_OLD_IMAGES and the two tables have the same key.
import { UpdateTimeToLiveCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Logger } from 'pino';
import type { ReplicationConfig } from '../config/replication-config.js';
import { ConfigError } from '../errors/replicator-error.js';
import { conflictTableInput } from '../twoway/conflict-log.js';
import { HybridClock } from '../twoway/hybrid-clock.js';
import { markerNames } from '../twoway/markers.js';
import { TOMBSTONE, tombstoneTableInput } from '../twoway/tombstone.js';
import { TwoWaySink } from '../twoway/twoway-sink.js';
import { twoWayTableNames } from '../twoway/two-way-tables.js';
import type { Side } from '../twoway/version-stamp.js';
import { ensureTable } from '../util/ensure-table.js';
import { enableStreamCommand } from '../plan/stream-readiness.js';
import { DATA_PATH, STARTUP } from './aws-clients.js';
import type { SinkFactory } from './replicator.js';
import { SideClients } from './side-clients.js';
import {
  describeFailure,
  describeTable,
  formatKeySchema,
  keySchemaOf,
  sameKeySchema,
  type KeyAttribute,
} from './startup-checks.js';

export interface TwoWayOptions {
  readonly markerPrefix: string;
  readonly tombstoneHorizonMs: number;
}

/** One direction: the task reading `side`'s stream, and the task of the other direction. */
export interface TwoWayDirection {
  readonly side: Side;
  readonly config: ReplicationConfig;
  readonly other: ReplicationConfig;
}

export { twoWayTableNames };

/** The two directions of a pair: A→B (the flags' source is side A) and B→A. */
export function twoWayDirections(
  ab: ReplicationConfig,
  ba: ReplicationConfig,
): [TwoWayDirection, TwoWayDirection] {
  return [
    { side: 'a', config: ab, other: ba },
    { side: 'b', config: ba, other: ab },
  ];
}

/**
 * Checks both tables (streams with both images, the same key), then creates the tables of ours that are missing:
 * each side's tombstones (TTL on), each direction's conflict log (TTL on). Both sides are checked before anything
 * is created, so that a mistake on side B does not leave tables of ours behind on side A.
 */
export async function prepareTwoWay(
  directions: readonly TwoWayDirection[],
  options: TwoWayOptions,
  logger: Logger,
  signal: AbortSignal,
  sessionName: string,
): Promise<void> {
  const keys: KeyAttribute[][] = [];
  for (const { side, config } of directions) {
    const clients = new SideClients(config, { logger, sessionName });
    const source = clients.dynamo('source', STARTUP);
    try {
      keys.push(await checkTable(side, config, source, options, signal));
    } finally {
      source.destroy();
    }
  }
  const [keyA = [], keyB = []] = keys;
  if (!sameKeySchema(keyA, keyB)) {
    const [a, b] = directions.map(({ side, config }) => `${config.source.tableName} (side ${side})`);
    throw new ConfigError(
      `two-way replication needs the same key on both tables: ${a} has (${formatKeySchema(keyA)}) and ${b} has (${formatKeySchema(keyB)}); pair tables with one key schema (names, types and roles)`,
    );
  }
  for (const { side, config } of directions) {
    const clients = new SideClients(config, { logger, sessionName });
    const source = clients.dynamo('source', STARTUP);
    const lease = clients.dynamo('lease', STARTUP);
    try {
      const names = twoWayTableNames(config.lease.tableName);
      await ensureOurs(source, tombstoneTableInput(names.tombstones), TOMBSTONE.expires, signal, () =>
        describeFailure(
          new Error('could not create it'),
          'source',
          { ...config.source, tableName: names.tombstones },
          'dynamodb:CreateTable, UpdateTimeToLive',
        ),
      );
      await ensureOurs(lease, conflictTableInput(names.conflicts), 'exp', signal, () =>
        describeFailure(
          new Error('could not create it'),
          'lease',
          { ...config.lease, tableName: names.conflicts },
          'dynamodb:CreateTable, UpdateTimeToLive',
        ),
      );
      logger.debug(
        { side, tombstones: names.tombstones, conflicts: names.conflicts },
        'two-way tables ready',
      );
    } finally {
      source.destroy();
      lease.destroy();
    }
  }
}

/** The side's table as two-way needs it; its key schema, for the comparison of the two sides. */
async function checkTable(
  side: Side,
  config: ReplicationConfig,
  client: DynamoDBClient,
  options: TwoWayOptions,
  signal: AbortSignal,
): Promise<KeyAttribute[]> {
  const table = await describeTable(client, 'source', config.source, signal);
  const spec = table.StreamSpecification;
  if (spec?.StreamEnabled !== true || spec.StreamViewType !== 'NEW_AND_OLD_IMAGES') {
    const location = config.source;
    const now = spec?.StreamEnabled === true ? `a ${spec.StreamViewType ?? '?'} stream` : 'no stream';
    // The commands carry the side's region and endpoint: side B is rarely in the shell's default region.
    const replace =
      spec?.StreamEnabled === true
        ? `disable the stream (${enableStreamCommand(location, false)}), then `
        : '';
    throw new ConfigError(
      `two-way replication needs a NEW_AND_OLD_IMAGES stream on table ${location.tableName} (side ${side}) and it has ${now}: ${replace}${enableStreamCommand(location, true)}`,
    );
  }
  const key = keySchemaOf(table);
  markerNames(
    options.markerPrefix,
    key.map((k) => k.name),
  );
  return key;
}

async function ensureOurs(
  client: DynamoDBClient,
  input: ReturnType<typeof tombstoneTableInput>,
  ttlAttribute: string,
  signal: AbortSignal,
  failure: () => ConfigError,
): Promise<void> {
  const tableName = input.TableName;
  if (tableName === undefined) throw new TypeError('a table input without its name');
  let created: boolean;
  try {
    ({ created } = await ensureTable(client, { ...input, TableName: tableName }, signal));
  } catch (err) {
    if (signal.aborted) throw err;
    throw Object.assign(failure(), { cause: err });
  }
  if (!created) return;
  try {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { Enabled: true, AttributeName: ttlAttribute },
      }),
      { abortSignal: signal },
    );
  } catch (err) {
    // Another worker turned it on meanwhile; anything else is the table's problem, not replication's.
    if (!/already enabled/i.test(err instanceof Error ? err.message : '')) throw err;
  }
}

/** The sink of one direction (replicator.ts SinkFactory): this side stamped and sent, the other side applied. */
export function twoWaySink(direction: TwoWayDirection, options: TwoWayOptions): SinkFactory {
  const { side, config, other } = direction;
  return (context) => {
    const local = context.clients.dynamo('source', DATA_PATH);
    const remote = context.clients.dynamo('destination', DATA_PATH);
    const conflicts = context.clients.dynamo('lease', DATA_PATH);
    const keyAttributes = context.tables.keyAttributes;
    const sink = new TwoWaySink({
      side,
      local: {
        client: local,
        tableName: config.source.tableName,
        tombstoneTable: twoWayTableNames(config.lease.tableName).tombstones,
      },
      remote: {
        client: remote,
        tableName: config.destination.tableName,
        tombstoneTable: twoWayTableNames(other.lease.tableName).tombstones,
      },
      conflicts: { client: conflicts, tableName: twoWayTableNames(config.lease.tableName).conflicts },
      keyAttributes,
      markers: markerNames(options.markerPrefix, keyAttributes),
      clock: new HybridClock(side),
      horizonMs: options.tombstoneHorizonMs,
      ttlDeletes: config.rules?.ttlDeletes ?? 'replicate',
      writeSlots: context.writeSlots,
      requestTimeoutMs: context.timing.writeRequestTimeoutMs,
      events: context.events,
      logger: context.logger,
    });
    return Object.assign(sink, {
      close: () => {
        local.destroy();
        remote.destroy();
        conflicts.destroy();
      },
    });
  };
}
