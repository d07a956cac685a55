// Names shared with the seed (Java) library, so a fleet can take over checkpoints the seed left behind:
// the default task name is the hex MD5 of sourceRegion + sourceTable + destinationRegion + destinationTable,
// and the lease table is `DynamoDBCrossRegionReplication` + task name. A fan-out (several destinations from one
// read) appends each further destination's region and table in the plan's order, so its task differs from any
// single pair's: the checkpoints of a fan-out count only once every destination has the data.
import { createHash } from 'node:crypto';

export const LEASE_TABLE_PREFIX = 'DynamoDBCrossRegionReplication';

export function defaultTaskName(
  sourceRegion: string,
  sourceTable: string,
  destinationRegion: string,
  destinationTable: string,
  moreDestinations: readonly { readonly region: string; readonly tableName: string }[] = [],
): string {
  const more = moreDestinations.map((d) => d.region + d.tableName).join('');
  return createHash('md5')
    .update(sourceRegion + sourceTable + destinationRegion + destinationTable + more, 'utf8')
    .digest('hex');
}

export function leaseTableName(taskName: string): string {
  return LEASE_TABLE_PREFIX + taskName;
}
