// Before verify reads any item: both tables exist and answer, and have the same key schema (the source's renamed by
// --rename-attributes, with rules). Each failure is one
// ConfigError line (exit 2) naming the table, the side and what to do, in the words of the replicate checks.
// Also brings back what sizes the run: the source's estimated item count and both tables' sizes.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  describeTable,
  formatKeySchema,
  keySchemaOf,
  sameKeySchema,
  type KeyAttribute,
} from '../app/startup-checks.js';
import type { TableLocation } from '../config/replication-config.js';
import { ConfigError } from '../errors/replicator-error.js';

export interface VerifyTables {
  readonly keySchema: readonly KeyAttribute[];
  /** The source's, hash key first. */
  readonly keyAttributes: readonly string[];
  readonly destinationKeySchema: readonly KeyAttribute[];
  readonly sourceItemCount: number | undefined;
  readonly sourceSizeBytes: number | undefined;
  readonly destinationSizeBytes: number | undefined;
}

export async function verifyPreflight(
  deps: {
    readonly sourceClient: DynamoDBClient;
    readonly destinationClient: DynamoDBClient;
    readonly source: TableLocation;
    readonly destination: TableLocation;
    /** The key schema the destination must have, from the source's (rules may rename key attributes). */
    readonly expectedDestinationKey?: (source: readonly KeyAttribute[]) => readonly KeyAttribute[];
  },
  signal?: AbortSignal,
): Promise<VerifyTables> {
  const [sourceTable, destinationTable] = await Promise.all([
    describeTable(deps.sourceClient, 'source', deps.source, signal),
    // verify compares what exists: it creates no table, so a missing one is a flag to check.
    describeTable(deps.destinationClient, 'destination', deps.destination, signal, { creatable: false }),
  ]);
  const sourceKeys = keySchemaOf(sourceTable);
  const destinationKeys = keySchemaOf(destinationTable);
  const expected = deps.expectedDestinationKey?.(sourceKeys) ?? sourceKeys;
  if (!sameKeySchema(expected, destinationKeys)) {
    const renamed = sameKeySchema(expected, sourceKeys)
      ? ''
      : ` (renamed by --rename-attributes: ${formatKeySchema(expected)})`;
    throw new ConfigError(
      `key schemas differ: source table ${deps.source.tableName} has (${formatKeySchema(sourceKeys)})${renamed} but destination table ${deps.destination.tableName} has (${formatKeySchema(destinationKeys)}); items cannot be compared key by key`,
    );
  }
  return {
    keySchema: sourceKeys,
    keyAttributes: sourceKeys.map((k) => k.name),
    destinationKeySchema: destinationKeys,
    sourceItemCount: sourceTable.ItemCount,
    sourceSizeBytes: sourceTable.TableSizeBytes,
    destinationSizeBytes: destinationTable.TableSizeBytes,
  };
}
