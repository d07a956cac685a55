// ddb-replicator-cdk: the DynamoDbReplication construct and its props.
export { DynamoDbReplication } from './dynamodb-replication.js';
export type {
  DynamoDbReplicationProps,
  FargateModeProps,
  LambdaModeProps,
  ReplicationDestination,
  ReplicationMode,
  ReplicationSource,
} from './replication-props.js';
export { LAMBDA_ZIP_DEFAULT, REPOSITORY_ROOT } from './repository-paths.js';
