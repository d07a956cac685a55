// Pure apart from reading the stack's environment: the props made concrete, with the CLI's own rules for what it
// would compute itself (the task name, the lease table's name, a table or stream named by ARN), so that a fleet
// deployed here and the CLI run by hand (status, bootstrap, verify) agree on every name. Regions and table names
// must be known at synth: a region picks the ARN's partition and the tables name the task; a mistake is thrown
// here, naming the prop, rather than deployed.
import { Token, type Stack } from 'aws-cdk-lib';
import { parseStreamArn, roleAccount } from '../../src/iam/aws-arns.js';
import { parseTableArn } from '../../src/config/table-arn.js';
import { defaultTaskName, leaseTableName } from '../../src/config/task-name.js';
import type { DynamoDbReplicationProps } from './replication-props.js';

export interface ResolvedReplication {
  readonly source: {
    readonly table: string;
    readonly region: string;
    /** May be the stack's account token: ARNs built from it resolve at deploy. */
    readonly account: string;
    readonly streamArn?: string | undefined;
  };
  readonly destination: {
    readonly table: string;
    readonly region: string;
    readonly account: string;
    readonly roleArn?: string | undefined;
    readonly externalId?: string | undefined;
  };
  readonly taskName: string;
  /** The lease table (fargate mode): in the stack, so in the stack's region and the source's account. */
  readonly lease: { readonly table: string; readonly region: string };
}

export function resolveReplication(stack: Stack, props: DynamoDbReplicationProps): ResolvedReplication {
  const arn = parseTableArn(props.source.table);
  const sourceTable = arn?.tableName ?? props.source.table;
  const sourceRegion = known(props.source.region ?? arn?.region ?? stack.region, 'source.region');
  const sourceAccount = props.source.account ?? arn?.account ?? stack.account;
  if (
    !Token.isUnresolved(sourceAccount) &&
    !Token.isUnresolved(stack.account) &&
    sourceAccount !== stack.account
  ) {
    throw new Error(
      `source account ${sourceAccount} is not the stack's (${stack.account}): deploy the replicator in the source's account (a cross-account destination is reached with destination.roleArn)`,
    );
  }
  const streamArn = props.source.streamArn;
  if (streamArn !== undefined && !Token.isUnresolved(streamArn)) {
    const stream = parseStreamArn(streamArn);
    if (stream === undefined) {
      throw new Error(
        `source.streamArn ${JSON.stringify(streamArn)} is not a stream ARN: copy it from \`aws dynamodb describe-table --query Table.LatestStreamArn\``,
      );
    }
    const sameAccount = Token.isUnresolved(sourceAccount) || stream.account === sourceAccount;
    if (stream.table !== sourceTable || stream.region !== sourceRegion || !sameAccount) {
      throw new Error(
        `source.streamArn is a stream of table ${stream.table} in ${stream.region} (account ${stream.account}), not of the source table ${sourceTable} in ${sourceRegion}`,
      );
    }
  }
  if (props.destination.roleArn !== undefined && Token.isUnresolved(sourceAccount)) {
    throw new Error(
      "destination.roleArn needs the source account known at synth (give the stack an env with its account, or set source.account): the destination role's trust policy names the replicator's role in it, not a token",
    );
  }
  const destinationTable = known(props.destination.table, 'destination.table');
  const destinationRegion = known(props.destination.region ?? sourceRegion, 'destination.region');
  const roleArn = props.destination.roleArn;
  const destinationAccount =
    props.destination.account ?? (roleArn === undefined ? undefined : roleAccount(roleArn)) ?? sourceAccount;
  const taskName =
    props.taskName ??
    defaultTaskName(sourceRegion, known(sourceTable, 'source.table'), destinationRegion, destinationTable);
  return {
    source: { table: sourceTable, region: sourceRegion, account: sourceAccount, streamArn },
    destination: {
      table: destinationTable,
      region: destinationRegion,
      account: destinationAccount,
      roleArn,
      externalId: props.destination.externalId,
    },
    taskName,
    lease: { table: leaseTableName(taskName), region: known(stack.region, 'the stack region') },
  };
}

function known(value: string, prop: string): string {
  if (Token.isUnresolved(value)) {
    throw new Error(
      `${prop} must be known at synth (not a token): it names the task and picks the ARNs' partition; give the stack an env or set the prop`,
    );
  }
  return value;
}
