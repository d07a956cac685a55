// What every integration test needs: the DynamoDB Local instances `npm test` started (this file's own source side
// and the shared destination side), clients for them, and table names unique to the test so test files can run in
// parallel.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { randomBytes } from 'node:crypto';
import { LOCAL_CREDENTIALS } from '../../src/local/dynamodb-local.js';

export const SOURCE_REGION = 'us-east-1';
export const DEST_REGION = 'us-west-2';

function endpointFromEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new Error(
      `${name} is not set: run integration tests through 'npm test', which starts DynamoDB Local`,
    );
  }
  return value;
}

/**
 * The source instance of this test file: `npm test` starts one per file and maps each file (the path Node's test
 * runner runs, process.argv[1]) to its endpoint. DDB_TEST_SOURCE_ENDPOINT, where set, is one instance for all.
 */
export function sourceEndpoint(): string {
  const shared = process.env.DDB_TEST_SOURCE_ENDPOINT;
  if (shared !== undefined && shared !== '') return shared;
  const perFile = process.env.DDB_TEST_SOURCE_ENDPOINTS;
  const file = process.argv[1];
  if (perFile !== undefined && file !== undefined) {
    const endpoint = (JSON.parse(perFile) as Record<string, string | undefined>)[file];
    if (endpoint !== undefined) return endpoint;
  }
  return endpointFromEnv('DDB_TEST_SOURCE_ENDPOINT');
}

export function destEndpoint(): string {
  return endpointFromEnv('DDB_TEST_DEST_ENDPOINT');
}

export function sourceClient(): DynamoDBClient {
  return new DynamoDBClient({
    endpoint: sourceEndpoint(),
    region: SOURCE_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
}

export function destClient(): DynamoDBClient {
  return new DynamoDBClient({
    endpoint: destEndpoint(),
    region: DEST_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
}

/** A table name no other test uses: `prefix` plus a random suffix. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}
