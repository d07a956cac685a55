// The one list of what ddb-replicator calls in AWS: each IAM action on each resource, which commands or options
// call it and why. `policy`, the README's IAM table (`npm run docs:iam`) and any later deployment code derive
// their statements from this list alone, so they cannot drift apart; tests/integration/policy-coverage.test.ts
// fails when a command calls an action that is not here. An action belongs to one resource; the one action that
// names no table at all (ListTables) is on the `table-list` resource, "*", because IAM accepts nothing narrower.
import { deadLetterTableName } from '../deadletter/dead-letter-item.js';
import { spoolTableName } from '../spool/spool-table.js';

/**
 * What a policy can be asked to cover: `replicate` and `status` always, the rest by `policy`'s flags; a plan's
 * entries add theirs (`bootstrap`, `createTable`, `copyTags`, `onReject: dead-letter`), and `plan-glob` and
 * `enable-stream` come from the plan alone. `dead-letter` (`--on-reject dead-letter`) covers a worker's dead-letter
 * table, the `dead-letters` command and `status --on-reject dead-letter`.
 */
export const IAM_FEATURES = [
  'replicate',
  'status',
  'bootstrap',
  'verify',
  'repair',
  'create-dest-table',
  'copy-tags',
  'plan-glob',
  'enable-stream',
  'dead-letter',
  'two-way',
] as const;
export type IamFeature = (typeof IAM_FEATURES)[number];

/** Always covered: a replicator that cannot be inspected with `status` is no use. */
export const BASE_FEATURES: readonly IamFeature[] = ['replicate', 'status'];

export const IAM_RESOURCES = [
  'source-table',
  'source-stream',
  'destination-table',
  'lease-table',
  'dead-letter-table',
  'spool-table',
  'source-tombstone-table',
  'destination-tombstone-table',
  'conflict-table',
  'table-list',
] as const;
export type IamResource = (typeof IAM_RESOURCES)[number];

export interface IamPermission {
  readonly resource: IamResource;
  readonly action: string;
  /** Every feature whose code calls it (replicate: also the `bootstrap` command, which starts a worker). */
  readonly features: readonly IamFeature[];
  readonly why: string;
}

export const IAM_PERMISSIONS: readonly IamPermission[] = [
  {
    resource: 'source-table',
    action: 'dynamodb:DescribeTable',
    features: ['replicate', 'bootstrap', 'verify', 'plan-glob', 'enable-stream', 'dead-letter', 'two-way'],
    why: "startup checks (the table, its key schema, its stream's ARN and view type); a copy's and a verify run's size; a plan's look at the stream of each table a glob selects or enableStream names; `dead-letters replay`'s rules (key schema and view type)",
  },
  {
    resource: 'source-table',
    action: 'dynamodb:UpdateTable',
    features: ['enable-stream'],
    why: 'turns on the missing stream (NEW_AND_OLD_IMAGES) of a source table whose plan entry says enableStream: true',
  },
  {
    resource: 'source-table',
    action: 'dynamodb:Scan',
    features: ['bootstrap', 'verify'],
    why: 'the parallel scan that copies the existing items (bootstrap) or reads them for the comparison (verify)',
  },
  {
    resource: 'source-table',
    action: 'dynamodb:BatchGetItem',
    features: ['verify'],
    why: 'looks up items without a partner in the other table, and reads differing items again',
  },
  {
    resource: 'source-table',
    action: 'dynamodb:DescribeTimeToLive',
    features: ['create-dest-table'],
    why: "the source's time-to-live attribute, given to the new destination",
  },
  {
    resource: 'source-table',
    action: 'dynamodb:ListTagsOfResource',
    features: ['copy-tags'],
    why: "the source table's tags, copied to the new destination",
  },
  {
    resource: 'source-stream',
    action: 'dynamodb:DescribeStream',
    features: ['replicate', 'bootstrap', 'two-way'],
    why: "lists the stream's shards and their parents (at start, on a timer and when a shard ends)",
  },
  {
    resource: 'source-stream',
    action: 'dynamodb:GetShardIterator',
    features: ['replicate', 'bootstrap', 'two-way'],
    why: "opens a shard at its checkpoint; a copy finds each open shard's newest record before it starts",
  },
  {
    resource: 'source-stream',
    action: 'dynamodb:GetRecords',
    features: ['replicate', 'bootstrap', 'two-way'],
    why: 'reads the changes',
  },
  {
    resource: 'destination-table',
    action: 'dynamodb:DescribeTable',
    features: ['replicate', 'bootstrap', 'verify', 'create-dest-table', 'dead-letter', 'two-way'],
    why: 'startup checks (the table exists with the same key schema); a new table is waited for until active; `dead-letters replay` reads its key schema',
  },
  {
    resource: 'destination-table',
    action: 'dynamodb:BatchWriteItem',
    features: ['replicate', 'bootstrap', 'repair', 'dead-letter'],
    why: 'writes each change (a put of the new image or a delete), the copied items, the repairs and the replayed dead letters',
  },
  {
    resource: 'destination-table',
    action: 'dynamodb:Scan',
    features: ['verify'],
    why: 'the parallel scan that reads the destination for the comparison',
  },
  {
    resource: 'destination-table',
    action: 'dynamodb:BatchGetItem',
    features: ['verify'],
    why: 'looks up items without a partner in the other table, and reads differing items again',
  },
  {
    resource: 'destination-table',
    action: 'dynamodb:CreateTable',
    features: ['create-dest-table'],
    why: "creates a missing destination from the source's description",
  },
  {
    resource: 'destination-table',
    action: 'dynamodb:UpdateTimeToLive',
    features: ['create-dest-table'],
    why: "turns on the source's time-to-live setting on the new destination",
  },
  {
    resource: 'destination-table',
    action: 'dynamodb:DescribeTimeToLive',
    features: ['create-dest-table'],
    why: 'checks the time-to-live setting of the new destination',
  },
  {
    resource: 'destination-table',
    action: 'dynamodb:TagResource',
    features: ['copy-tags'],
    why: "gives the new destination the source's tags",
  },
  {
    resource: 'lease-table',
    action: 'dynamodb:CreateTable',
    features: ['replicate', 'two-way'],
    why: 'creates the lease table at the first start (not needed when it is created beforehand: hash key leaseKey, type S)',
  },
  {
    resource: 'lease-table',
    action: 'dynamodb:DescribeTable',
    features: ['replicate', 'status', 'two-way'],
    why: 'finds the lease table and waits until it is active',
  },
  {
    resource: 'lease-table',
    action: 'dynamodb:Scan',
    features: ['replicate', 'bootstrap', 'status', 'two-way'],
    why: "reads the leases, the workers' presence and a copy's segments",
  },
  {
    resource: 'lease-table',
    action: 'dynamodb:PutItem',
    features: ['replicate', 'bootstrap', 'two-way'],
    why: "creates a lease for a new shard; a copy's control item, its segments and each recorded position",
  },
  {
    resource: 'lease-table',
    action: 'dynamodb:UpdateItem',
    features: ['replicate', 'bootstrap', 'two-way'],
    why: "takes, renews, hands over and releases leases, moves checkpoints, bumps the heartbeat; saves a copy's progress",
  },
  {
    resource: 'lease-table',
    action: 'dynamodb:DeleteItem',
    features: ['replicate', 'two-way'],
    why: "deletes the leases of finished shards and a stopped worker's presence",
  },
  {
    resource: 'lease-table',
    action: 'dynamodb:ConditionCheckItem',
    features: ['bootstrap'],
    why: "records each shard's position in one transaction (TransactWriteItems) with a check of the copy's control item",
  },
  {
    resource: 'source-table',
    action: 'dynamodb:GetItem',
    features: ['bootstrap', 'two-way'],
    why: "a spool-mode copy's drain reads the source's item for a change spooled as a pointer (an image close to 400 KB); two-way: reads an item consistently to tell what a refused write lost to",
  },
  {
    resource: 'lease-table',
    action: 'dynamodb:GetItem',
    features: ['bootstrap'],
    why: "a spool-mode copy's consumers read the copy's control item for its phase",
  },
  {
    resource: 'spool-table',
    action: 'dynamodb:CreateTable',
    features: ['bootstrap'],
    why: 'creates the spool table when a spool-mode copy starts (hash key k, type S)',
  },
  {
    resource: 'spool-table',
    action: 'dynamodb:DescribeTable',
    features: ['bootstrap'],
    why: 'waits until the spool table is active',
  },
  {
    resource: 'spool-table',
    action: 'dynamodb:BatchWriteItem',
    features: ['bootstrap'],
    why: 'the consumers spool the latest change of each key during a spool-mode copy',
  },
  {
    resource: 'spool-table',
    action: 'dynamodb:Scan',
    features: ['bootstrap'],
    why: 'the drains read the spool, segment by segment',
  },
  {
    resource: 'spool-table',
    action: 'dynamodb:BatchGetItem',
    features: ['bootstrap'],
    why: 'the second drain reads each item again after writing it, for a change spooled meanwhile',
  },
  {
    resource: 'spool-table',
    action: 'dynamodb:DeleteTable',
    features: ['bootstrap'],
    why: 'deletes the spool table once the copy is done',
  },
  {
    resource: 'dead-letter-table',
    action: 'dynamodb:CreateTable',
    features: ['dead-letter'],
    why: 'creates the dead-letter table at the first start of a worker with --on-reject dead-letter (not needed when it is created beforehand: hash key pk, range key sk, both type S)',
  },
  {
    resource: 'dead-letter-table',
    action: 'dynamodb:DescribeTable',
    features: ['dead-letter'],
    why: 'a worker finds the dead-letter table and waits until it is active; `dead-letters` checks that it exists',
  },
  {
    resource: 'dead-letter-table',
    action: 'dynamodb:PutItem',
    features: ['dead-letter'],
    why: 'a worker stores each refused change (and every later change of its key)',
  },
  {
    resource: 'dead-letter-table',
    action: 'dynamodb:Query',
    features: ['dead-letter'],
    why: "a worker checks that a key still has dead letters before putting its change aside; `dead-letters replay` reads each key's dead letters in order",
  },
  {
    resource: 'dead-letter-table',
    action: 'dynamodb:Scan',
    features: ['dead-letter'],
    why: 'a worker counts the dead letters at start and reads their keys when a shard starts; `dead-letters list`, `replay` and `purge` read them; `status --on-reject dead-letter` counts them',
  },
  {
    resource: 'dead-letter-table',
    action: 'dynamodb:DeleteItem',
    features: ['dead-letter'],
    why: 'removes each dead letter once `dead-letters replay` has written it, and every one `dead-letters purge` removes',
  },
  {
    resource: 'source-table',
    action: 'dynamodb:UpdateItem',
    features: ['two-way'],
    why: 'two-way: stamps an app write on its own side (the markers only), marks an item for a delete; verify --two-way --repair: the same',
  },
  {
    resource: 'source-table',
    action: 'dynamodb:PartiQLUpdate',
    features: ['two-way'],
    why: "two-way: stamps a flush's app writes on their own side together (BatchExecuteStatement of PartiQL UPDATEs, the markers only); without it, each stamp goes as its own UpdateItem",
  },
  {
    resource: 'source-table',
    action: 'dynamodb:DeleteItem',
    features: ['two-way'],
    why: 'two-way: deletes an item marked for a delete (only while it holds the mark)',
  },
  {
    resource: 'destination-table',
    action: 'dynamodb:PutItem',
    features: ['two-way'],
    why: "two-way: the put of the other side's write, in a transaction with the tombstone's check; verify --two-way --repair: the winner",
  },
  {
    resource: 'destination-table',
    action: 'dynamodb:UpdateItem',
    features: ['two-way'],
    why: "two-way: stamps an app write on the other side's table (the direction that reads its stream); marks the item of a delete before deleting it",
  },
  {
    resource: 'destination-table',
    action: 'dynamodb:PartiQLUpdate',
    features: ['two-way'],
    why: "two-way: the same batched stamps, for the direction that reads the other side's stream",
  },
  {
    resource: 'destination-table',
    action: 'dynamodb:DeleteItem',
    features: ['two-way'],
    why: 'two-way: deletes an item marked for a delete',
  },
  {
    resource: 'destination-table',
    action: 'dynamodb:GetItem',
    features: ['two-way'],
    why: 'two-way: reads an item consistently to tell what a refused write lost to',
  },
  {
    resource: 'source-tombstone-table',
    action: 'dynamodb:CreateTable',
    features: ['two-way'],
    why: "two-way: creates the side's tombstone table at the first start (hash key k, type S)",
  },
  {
    resource: 'source-tombstone-table',
    action: 'dynamodb:DescribeTable',
    features: ['two-way'],
    why: 'two-way: finds the tombstone table and waits until it is active',
  },
  {
    resource: 'source-tombstone-table',
    action: 'dynamodb:UpdateTimeToLive',
    features: ['two-way'],
    why: 'two-way: lets DynamoDB expire tombstones past the horizon (TTL on exp), when it creates the table',
  },
  {
    resource: 'source-tombstone-table',
    action: 'dynamodb:GetItem',
    features: ['two-way'],
    why: "two-way: reads a key's tombstone (an INSERT's echo test, a delete's stamp); verify --two-way",
  },
  {
    resource: 'source-tombstone-table',
    action: 'dynamodb:UpdateItem',
    features: ['two-way'],
    why: "two-way: raises a key's tombstone to a delete's stamp and records the delete's origin; keeps and takes a refused stamp's link for the key's next record",
  },
  {
    resource: 'source-tombstone-table',
    action: 'dynamodb:BatchGetItem',
    features: ['two-way'],
    why: "two-way: reads the tombstones of a flush's new items together, for their echo test, and the links its keys' first records may take",
  },
  {
    resource: 'destination-tombstone-table',
    action: 'dynamodb:BatchGetItem',
    features: ['two-way'],
    why: "two-way: the same for the other direction, which reads the other side's stream",
  },
  {
    resource: 'destination-tombstone-table',
    action: 'dynamodb:GetItem',
    features: ['two-way'],
    why: "two-way: reads the other side's tombstone of a key; verify --two-way",
  },
  {
    resource: 'destination-tombstone-table',
    action: 'dynamodb:UpdateItem',
    features: ['two-way'],
    why: "two-way: raises the other side's tombstone of a deleted key",
  },
  {
    resource: 'destination-tombstone-table',
    action: 'dynamodb:ConditionCheckItem',
    features: ['two-way'],
    why: 'two-way: the put on the other side checks its tombstone in the same transaction (TransactWriteItems)',
  },
  {
    resource: 'conflict-table',
    action: 'dynamodb:CreateTable',
    features: ['two-way'],
    why: "two-way: creates the direction's conflict log beside its lease table at the first start",
  },
  {
    resource: 'conflict-table',
    action: 'dynamodb:DescribeTable',
    features: ['two-way'],
    why: 'two-way: finds the conflict log and waits until it is active',
  },
  {
    resource: 'conflict-table',
    action: 'dynamodb:UpdateTimeToLive',
    features: ['two-way'],
    why: 'two-way: conflicts expire after 30 days (TTL on exp), set when it creates the table',
  },
  {
    resource: 'conflict-table',
    action: 'dynamodb:PutItem',
    features: ['two-way'],
    why: 'two-way: records each write that lost',
  },
  {
    resource: 'conflict-table',
    action: 'dynamodb:Scan',
    features: ['two-way'],
    why: '`conflicts list`, `status --two-way` and the status page (--metrics-port) read the log',
  },
  {
    resource: 'table-list',
    action: 'dynamodb:ListTables',
    features: ['plan-glob'],
    why: 'lists the source side\'s tables a plan\'s globs select from (at start and at every refresh); it names no table, so IAM takes only Resource "*"',
  },
];

/** The actions these features need on one resource, in the list's order, each once. */
export function actionsFor(features: readonly IamFeature[], resource: IamResource): string[] {
  return permissionsFor(features, resource).map((p) => p.action);
}

/** The permissions these features need on one resource, in the list's order. */
export function permissionsFor(features: readonly IamFeature[], resource: IamResource): IamPermission[] {
  return IAM_PERMISSIONS.filter(
    (p) => p.resource === resource && p.features.some((feature) => features.includes(feature)),
  );
}

/** How the README and the text output name a feature. */
export const FEATURE_LABELS: Record<IamFeature, string> = {
  replicate: '`replicate`',
  status: '`status`',
  bootstrap: '`bootstrap`',
  verify: '`verify`',
  repair: '`verify --repair`',
  'create-dest-table': '`--create-dest-table`',
  'copy-tags': '`--copy-tags`',
  'plan-glob': "a plan's glob",
  'enable-stream': '`enableStream: true`',
  'dead-letter': '`--on-reject dead-letter`',
  'two-way': '`--two-way`',
};

/** How the README names a resource, and the form of its ARN. */
export const RESOURCE_LABELS: Record<
  IamResource,
  { readonly name: string; readonly arn: string; readonly where?: string }
> = {
  'source-table': { name: 'source table', arn: 'arn:<partition>:dynamodb:<region>:<account>:table/<source>' },
  'source-stream': { name: 'source stream', arn: '…:table/<source>/stream/*' },
  'destination-table': { name: 'destination table', arn: '…:table/<destination>' },
  'lease-table': {
    name: 'lease table',
    arn: '…:table/DynamoDBCrossRegionReplication<task>',
    where: "in the lease region and the lease side's account",
  },
  'dead-letter-table': {
    name: 'dead-letter table',
    arn: `…:table/${deadLetterTableName('DynamoDBCrossRegionReplication<task>')}`,
    where: 'beside the lease table, or the table `--dead-letter-table` names there',
  },
  'spool-table': {
    name: 'spool table',
    arn: `…:table/${spoolTableName('DynamoDBCrossRegionReplication<task>')}`,
    where: 'beside the lease table, during a spool-mode copy only',
  },
  'source-tombstone-table': {
    name: "two-way: the side's tombstone table",
    arn: '…:table/DynamoDBCrossRegionReplication<task>-tombstones',
    where: "beside the table the direction reads (the source side's account and region)",
  },
  'destination-tombstone-table': {
    name: "two-way: the other side's tombstone table",
    arn: '…:table/DynamoDBCrossRegionReplication<other task>-tombstones',
    where: 'beside the table the direction writes (the destination side)',
  },
  'conflict-table': {
    name: "two-way: the direction's conflict log",
    arn: '…:table/DynamoDBCrossRegionReplication<task>-conflicts',
    where: 'beside the lease table',
  },
  'table-list': { name: 'table list', arn: '*', where: 'ListTables names no table' },
};
