// Reads the fleet from a task's lease table: shared by `status` (one read) and the live status page's poller (a
// read every few seconds with one client kept open, so the credentials are checked once, not on every poll).
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { bootstrapItemsFrom } from '../bootstrap/bootstrap-items.js';
import type { TableLocation } from '../config/replication-config.js';
import { DeadLetterStore } from '../deadletter/dead-letter-store.js';
import { ConfigError, errorMessage } from '../errors/replicator-error.js';
import { DynamoLeaseStore } from '../lease/dynamo-lease-store.js';
import type { Logger } from '../observability/logger.js';
import { inPlanWords } from '../plan/plan-fields.js';
import type { TaskStatus } from '../plan/plan-status-report.js';
import { STARTUP } from './aws-clients.js';
import { fleetStatus, type FleetStatus } from './fleet-status.js';
import { SideClients } from './side-clients.js';
import { describeFailure } from './startup-checks.js';

export interface FleetReader {
  /** The fleet now; undefined when there is no such table (no worker has started the task). */
  read(): Promise<FleetStatus | undefined>;
  close(): void;
}

/** A fleet and the streams its shard leases were made for. */
export interface FleetRead {
  readonly status: FleetStatus;
  /** Each stream ARN the shard leases name, once: whose table the task reads. */
  readonly streamArns: readonly string[];
}

/** `deadLetterTable`: the task's (--on-reject dead-letter), whose waiting dead letters the fleet then counts. */
export function openFleetReader(
  location: TableLocation,
  logger: Logger,
  sessionName: string,
  deadLetterTable?: string,
): FleetReader {
  const reader = openStreamsReader(location, logger, sessionName, deadLetterTable);
  return { read: async () => (await reader.read())?.status, close: () => reader.close() };
}

function openStreamsReader(
  location: TableLocation,
  logger: Logger,
  sessionName: string,
  deadLetterTable: string | undefined,
): { read(): Promise<FleetRead | undefined>; close(): void } {
  const clients = new SideClients({ lease: location }, { logger, sessionName });
  const client: DynamoDBClient = clients.dynamo('lease', STARTUP);
  let checked = false;
  return {
    async read() {
      if (!checked) {
        await clients.checkCredentials(['lease']);
        checked = true;
      }
      try {
        await client.send(new DescribeTableCommand({ TableName: location.tableName }));
      } catch (err) {
        if ((err as { name?: string }).name === 'ResourceNotFoundException') return undefined;
        throw describeFailure(err, 'lease', location, 'dynamodb:DescribeTable');
      }
      let fleet;
      try {
        fleet = await new DynamoLeaseStore(client, location.tableName).listFleet();
      } catch (err) {
        throw describeFailure(err, 'lease', location, 'dynamodb:Scan');
      }
      const status = fleetStatus(fleet.leases, Date.now(), fleet.workers, {
        copy: bootstrapItemsFrom(fleet.copyItems),
        failures: fleet.failures,
      });
      const streamArns = [
        ...new Set(fleet.leases.flatMap((lease) => (lease.streamArn === undefined ? [] : [lease.streamArn]))),
      ];
      if (deadLetterTable === undefined) return { status, streamArns };
      const deadLetters = await countDeadLetters(client, deadLetterTable, logger);
      return { status: deadLetters === undefined ? status : { ...status, deadLetters }, streamArns };
    },
    close() {
      client.destroy();
    },
  };
}

/** The dead letters waiting (a COUNT scan); undefined when the table does not exist or cannot be read. */
async function countDeadLetters(
  client: DynamoDBClient,
  tableName: string,
  logger: Logger,
): Promise<number | undefined> {
  try {
    return await new DeadLetterStore(client, tableName).count();
  } catch (err) {
    logger.debug({ err: errorMessage(err) }, 'could not count the dead letters');
    return undefined;
  }
}

/** One read of the fleet a lease table shows; undefined when there is no such table. */
export async function readFleet(
  location: TableLocation,
  logger: Logger,
  sessionName: string,
  deadLetterTable?: string,
): Promise<FleetStatus | undefined> {
  const reader = openFleetReader(location, logger, sessionName, deadLetterTable);
  try {
    return await reader.read();
  } finally {
    reader.close();
  }
}

/** One read of the fleet and the streams its leases name; undefined when there is no such table. */
export async function readFleetWithStreams(
  location: TableLocation,
  logger: Logger,
  sessionName: string,
): Promise<FleetRead | undefined> {
  const reader = openStreamsReader(location, logger, sessionName, undefined);
  try {
    return await reader.read();
  } finally {
    reader.close();
  }
}

/** A task of a plan as `status --plan` shows it: its fleet, or the one line why its lease table cannot be read. */
export async function readTaskStatus(
  task: Omit<TaskStatus, 'fleet' | 'error'>,
  read: () => Promise<FleetStatus | undefined>,
  logger: Logger,
): Promise<TaskStatus> {
  try {
    return { ...task, fleet: await read() };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const error = inPlanWords(err.message);
    logger.error(`${task.label}: ${error}`);
    return { ...task, fleet: undefined, error };
  }
}

/** `status --json` for one task (`verdict`: --check's), also the status page's /status.json. */
export function taskFleetJson(
  taskName: string,
  leaseTableName: string,
  fleet: FleetStatus | undefined,
  verdict: Record<string, unknown> = {},
): Record<string, unknown> {
  return { taskName, leaseTable: leaseTableName, ...verdict, ...fleet };
}
