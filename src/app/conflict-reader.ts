// Reads a two-way direction's conflict log, which sits beside its lease table with the lease table's credentials:
// shared by `status --two-way` and `conflicts list` (one read) and the status page's poller (a read now and then
// with one client kept open). A direction that never ran has no log yet: undefined, for each to say what that means.
import type { Logger } from 'pino';
import type { TableLocation } from '../config/replication-config.js';
import { readConflictLog, type Conflict } from '../twoway/conflict-log.js';
import { STARTUP } from './aws-clients.js';
import { SideClients } from './side-clients.js';

export interface ConflictReader {
  /** Every conflict of the direction, oldest first; undefined when it has no conflict log. */
  read(signal?: AbortSignal): Promise<Conflict[] | undefined>;
  close(): void;
}

/** `lease`: the direction's lease table (its conflict log is named after it, beside it). */
export function openConflictReader(
  lease: TableLocation,
  logger: Logger,
  sessionName: string,
): ConflictReader {
  const client = new SideClients({ lease }, { logger, sessionName }).dynamo('lease', STARTUP);
  return {
    read: (signal) => readConflictLog(client, lease.tableName, signal),
    close: () => client.destroy(),
  };
}

/** One read of a direction's conflict log (undefined: it has none). */
export async function readConflictsBeside(
  lease: TableLocation,
  logger: Logger,
  sessionName: string,
): Promise<Conflict[] | undefined> {
  const reader = openConflictReader(lease, logger, sessionName);
  try {
    return await reader.read();
  } finally {
    reader.close();
  }
}
