// The task's dead-letter table around a worker's run (`--on-reject dead-letter`): created before anything is
// read, so that a missing permission is a start-up error, not a failed flush; and the lane the task's shards
// write through, reaching it with a data-path client of the lease side.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Logger } from 'pino';
import type { ReplicationConfig } from '../config/replication-config.js';
import { DeadLetterLane } from '../deadletter/dead-letter-lane.js';
import { DeadLetterStore } from '../deadletter/dead-letter-store.js';
import { ConfigError } from '../errors/replicator-error.js';
import type { EventBus } from '../observability/events.js';
import type { DestinationRules } from '../rules/destination-writes.js';
import type { TableWriter } from '../writer/table-writer.js';
import { describeFailure, type CheckedTables } from './startup-checks.js';

export async function prepareDeadLetterTable(
  leaseClient: DynamoDBClient,
  config: ReplicationConfig,
  logger: Logger,
  signal: AbortSignal,
): Promise<void> {
  const options = config.deadLetters;
  if (options === undefined) return;
  const store = new DeadLetterStore(leaseClient, options.tableName);
  try {
    const { created } = await store.ensureTable(signal);
    if (created) logger.info({ table: store.tableName }, 'created dead-letter table');
    const waiting = await store.count(signal);
    if (waiting !== undefined && waiting > 0) {
      logger.warn(
        { table: store.tableName, deadLetters: waiting },
        'dead letters wait for replay (ddb-replicator dead-letters list)',
      );
    }
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw describeFailure(
      err,
      'lease',
      { ...config.lease, tableName: options.tableName },
      'create or read the dead-letter table (dynamodb:CreateTable, DescribeTable, PutItem, Query, Scan, DeleteItem)',
    );
  }
}

export function deadLetterLane(
  client: DynamoDBClient,
  config: ReplicationConfig,
  tables: CheckedTables,
  deps: {
    readonly writer: TableWriter;
    readonly rules: DestinationRules | undefined;
    readonly events: EventBus;
    readonly logger: Logger;
  },
): DeadLetterLane {
  const tableName = config.deadLetters?.tableName;
  if (tableName === undefined) throw new Error('deadLetterLane called without --on-reject dead-letter');
  return new DeadLetterLane({
    store: new DeadLetterStore(client, tableName),
    task: config.taskName,
    writer: deps.writer,
    rules: deps.rules,
    sourceKeyAttributes: tables.keyAttributes,
    destinationKeyAttributes: tables.destinationKeySchema.map((part) => part.name),
    events: deps.events,
    logger: deps.logger,
  });
}
