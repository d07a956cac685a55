// Test stacks: a fixed account and region (so ARNs are literal and the task name is the CLI's MD5), a stand-in for
// the handler's zip (its contents do not matter to a template: `npm run package:lambda` builds the real one), and
// the IAM statements of the replicator's role gathered from the template.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { DynamoDbReplication, type DynamoDbReplicationProps } from '../src/index.js';

export const ACCOUNT = '111111111111';
export const REGION = 'eu-west-1';
export const STREAM = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/orders/stream/2026-01-01T00:00:00.000`;
export const DEST_ROLE = 'arn:aws:iam::222222222222:role/orders-writer';

let zip: string | undefined;
export function standInZip(): string {
  if (zip === undefined) {
    zip = join(mkdtempSync(join(tmpdir(), 'ddb-replicator-cdk-')), 'handler.zip');
    writeFileSync(zip, 'stand-in for dist-lambda/ddb-replicator-lambda.zip');
  }
  return zip;
}

export function synth(props: Partial<DynamoDbReplicationProps> & Pick<DynamoDbReplicationProps, 'mode'>): {
  template: Template;
  replication: DynamoDbReplication;
} {
  const app = new App();
  const stack = new Stack(app, 'Test', { env: { account: ACCOUNT, region: REGION } });
  const replication = new DynamoDbReplication(stack, 'Orders', {
    source: { table: 'orders', streamArn: STREAM },
    destination: { table: 'orders-copy', region: 'us-east-1' },
    lambda: { zipPath: standInZip() },
    ...props,
  });
  return { template: Template.fromStack(stack), replication };
}

export interface Statement {
  readonly Sid?: string;
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: unknown;
}

/** Every statement of the inline policies attached to the role whose logical id starts with `rolePrefix`. */
export function roleStatements(template: Template, rolePrefix: string): Statement[] {
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.values(policies).flatMap((policy) => {
    const p = policy as {
      Properties: { Roles: { Ref: string }[]; PolicyDocument: { Statement: Statement[] } };
    };
    return p.Properties.Roles.some((role) => role.Ref.startsWith(rolePrefix))
      ? p.Properties.PolicyDocument.Statement
      : [];
  });
}

export function actions(statement: Statement): string[] {
  return typeof statement.Action === 'string' ? [statement.Action] : statement.Action;
}

/** The statement with this Sid, or a failure naming the Sids there are. */
export function bySid(statements: readonly Statement[], sid: string): Statement {
  const found = statements.find((s) => s.Sid === sid);
  if (found === undefined)
    throw new Error(`no statement ${sid} in ${statements.map((s) => s.Sid ?? '?').join(', ')}`);
  return found;
}
