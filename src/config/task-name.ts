// Names shared with the seed (Java) library, so a fleet can take over checkpoints the seed left behind:
// the default task name is the hex MD5 of sourceRegion + sourceTable + destinationRegion + destinationTable,
// and the lease table is `DynamoDBCrossRegionReplication` + task name.
import { createHash } from 'node:crypto';

export const LEASE_TABLE_PREFIX = 'DynamoDBCrossRegionReplication';

export function defaultTaskName(
  sourceRegion: string,
  sourceTable: string,
  destinationRegion: string,
  destinationTable: string,
): string {
  return createHash('md5')
    .update(sourceRegion + sourceTable + destinationRegion + destinationTable, 'utf8')
    .digest('hex');
}

export function leaseTableName(taskName: string): string {
  return LEASE_TABLE_PREFIX + taskName;
}
