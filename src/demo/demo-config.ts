// Where the demo replicates: the two DynamoDB Local "regions", the table's name in both, and the replication
// config the demo's replicator runs with.
import { buildReplicationConfig, type ReplicationConfig } from '../config/replication-config.js';
import type { DemoRegions } from './demo-regions.js';

export const SOURCE_REGION = 'us-east-1';
export const DEST_REGION = 'us-west-2';
/** The same name in both regions, as a global table would have it. */
export const TABLE_NAME = 'demo-orders';

export function demoConfig(regions: DemoRegions): ReplicationConfig {
  // The replicate command's defaults; only the places differ. The empty environment keeps AWS_REGION out.
  return buildReplicationConfig(
    {
      sourceTable: TABLE_NAME,
      sourceRegion: SOURCE_REGION,
      sourceEndpoint: regions.source.endpoint,
      destTable: TABLE_NAME,
      destRegion: DEST_REGION,
      destEndpoint: regions.destination.endpoint,
      taskName: 'demo',
      workerId: `demo-${process.pid}`,
      startPosition: 'trim-horizon',
      batchSize: 1000,
      writeConcurrency: 16,
      maxBufferMb: 32,
      pollIntervalMs: 100,
      checkpointIntervalMs: 1_000,
      failoverMs: 10_000,
      shardSyncIntervalMs: 10_000,
      progressIntervalMs: 0,
      shutdownTimeoutMs: 5_000,
    },
    {},
  );
}
