import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceNotFoundException,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { ensureLeaseTable } from '../../src/lease/lease-table.js';
import { synth } from './stacks.js';

/** What the CLI's ensureLeaseTable asks CreateTable for, from a client that has no such table yet. */
async function cliLeaseTable(name: string): Promise<CreateTableCommandInput> {
  let created: CreateTableCommandInput | undefined;
  const client = {
    send: (command: unknown) => {
      if (command instanceof CreateTableCommand) {
        created = command.input;
        return Promise.resolve({});
      }
      if (command instanceof DescribeTableCommand) {
        if (created === undefined) {
          return Promise.reject(new ResourceNotFoundException({ message: 'no table', $metadata: {} }));
        }
        return Promise.resolve({ Table: { TableName: name, TableStatus: 'ACTIVE' } });
      }
      return Promise.reject(new Error(`unexpected command ${String(command)}`));
    },
  } as unknown as DynamoDBClient;
  await ensureLeaseTable(client, name);
  if (created === undefined) throw new Error('ensureLeaseTable created nothing');
  return created;
}

test("the stack's lease table has the schema the CLI would create it with", async () => {
  const { template, replication } = synth({ mode: 'fargate' });
  const name = replication.replication.lease.table;
  const cli = await cliLeaseTable(name);
  const [table] = Object.values(template.findResources('AWS::DynamoDB::Table'));
  const ours = (table as { Properties: Record<string, unknown> }).Properties;
  assert.deepEqual(
    {
      TableName: ours.TableName,
      KeySchema: ours.KeySchema,
      AttributeDefinitions: ours.AttributeDefinitions,
      BillingMode: ours.BillingMode,
    },
    {
      TableName: cli.TableName,
      KeySchema: cli.KeySchema,
      AttributeDefinitions: cli.AttributeDefinitions,
      BillingMode: cli.BillingMode,
    },
  );
});
