// Pure: the identity policies and role trust policies of any number of replication tasks: one task's (`policy`)
// and a plan's (`policy --plan`) come from this same code, a single task being a list of one. Each identity that
// acts gets the statements of the sides it acts on, in every task, each on the tasks' ARNs; credentials that assume
// a role get sts:AssumeRole on those roles alone, and each role a trust policy naming who assumes it (with the
// external ids as a condition). An action is granted on exactly the ARNs of the tasks whose features need it, so
// actions that not every task needs (a plan entry's createTable or enableStream) get statements of their own. A
// fan-out's further destinations are each acted on as the first destination is (destinationTasks), with their own
// credentials and features. Actions come from IAM_PERMISSIONS only.
import type { CredentialSource } from '../config/credential-source.js';
import { deadLetterTableName } from '../deadletter/dead-letter-item.js';
import { spoolTableName } from '../spool/spool-table.js';
import { twoWayTableNames } from '../twoway/two-way-tables.js';
import { streamArn, tableArn } from './aws-arns.js';
import {
  BASE_FEATURES,
  IAM_FEATURES,
  IAM_PERMISSIONS,
  type IamFeature,
  type IamResource,
} from './iam-permissions.js';
import { matches } from './policy-allows.js';
import {
  distinct,
  oneOrMany,
  POLICY_VERSION,
  type ExplainedStatement,
  type PolicyStatement,
  type PrintedPolicy,
} from './policy-document.js';
import {
  baseKey,
  basePrincipal,
  POLICY_SIDES,
  tableAccounts,
  type AccountInputs,
  type PolicySide,
  type TableAccounts,
} from './side-accounts.js';

export interface PolicyTable {
  readonly region: string;
  /** The table's name; for a plan's glob, an IAM pattern of names (`audit-*`). */
  readonly table: string;
}

/** A further destination of a fan-out: its table, whose credentials reach it, and the features it is used for. */
export interface PolicyDestination {
  readonly table: PolicyTable;
  readonly credentials: CredentialSource;
  /** The task's features, with create-dest-table and copy-tags as this destination's own createTable says. */
  readonly features: readonly IamFeature[];
}

/** One task as its policies see it: its tables, whose credentials reach each, and what it is used for. */
export interface PolicyTask extends AccountInputs {
  /** The features asked for; replicate and status are always covered. */
  readonly features: readonly IamFeature[];
  readonly tables: Readonly<Record<PolicySide, PolicyTable>>;
  /**
   * `--on-reject dead-letter`'s table, beside the lease table (its region, account and credentials), as
   * buildDeadLetterOptions names it; undefined: `<lease table>-dead-letters`. Granted only with the `dead-letter`
   * feature.
   */
  readonly deadLetterTable?: string | undefined;
  /** A fan-out's further destinations (the first is `tables.destination`); none for a single table pair. */
  readonly fanOut?: readonly PolicyDestination[] | undefined;
  /** A direction of a two-way pair: the other direction's lease table, after which the destination's tombstones are named. */
  readonly otherLeaseTable?: string | undefined;
}

/**
 * A task as one task per destination: the task itself, then for each further destination of a fan-out the same
 * task with that destination's table, credentials and features, so that each destination is granted (and its
 * account found) exactly as a first destination would be.
 */
export function destinationTasks(task: PolicyTask): PolicyTask[] {
  const { fanOut, ...first } = task;
  return [
    first,
    ...(fanOut ?? []).map((more): PolicyTask => ({
      ...first,
      features: more.features,
      tables: { ...first.tables, destination: more.table },
      credentials: { ...first.credentials, destination: more.credentials },
    })),
  ];
}

/** The resources each side's credentials act on, in the order statements are printed. */
export const SIDE_RESOURCES: Record<PolicySide, readonly IamResource[]> = {
  source: ['source-table', 'source-stream', 'source-tombstone-table', 'table-list'],
  destination: ['destination-table', 'destination-tombstone-table'],
  lease: ['lease-table', 'dead-letter-table', 'spool-table', 'conflict-table'],
};

export const RESOURCE_SIDS: Record<IamResource, string> = {
  'source-table': 'SourceTable',
  'source-stream': 'SourceStream',
  'destination-table': 'DestinationTable',
  'lease-table': 'LeaseTable',
  'dead-letter-table': 'DeadLetterTable',
  'spool-table': 'SpoolTable',
  'source-tombstone-table': 'Tombstones',
  'destination-tombstone-table': 'OtherSideTombstones',
  'conflict-table': 'ConflictLog',
  'table-list': 'ListTables',
};

/**
 * The features a task is covered for: the base ones always, in the list's order. A direction of a two-way pair
 * replicates by its own writes (never BatchWriteItem): `two-way` stands for `replicate` there.
 */
export function coveredFeatures(asked: readonly IamFeature[]): IamFeature[] {
  const base = asked.includes('two-way') ? BASE_FEATURES.filter((f) => f !== 'replicate') : BASE_FEATURES;
  return IAM_FEATURES.filter((f) => base.includes(f) || asked.includes(f));
}

/** Each table's account and the ARN of each resource a task's policies name. */
export function taskArns(task: PolicyTask): {
  readonly accounts: TableAccounts;
  readonly arns: Readonly<Record<IamResource, string>>;
} {
  const accounts = tableAccounts(task);
  const at = (side: PolicySide) => ({ ...task.tables[side], account: accounts[side] });
  return {
    accounts,
    arns: {
      'source-table': tableArn(at('source')),
      'source-stream': streamArn(at('source')),
      'destination-table': tableArn(at('destination')),
      'lease-table': tableArn(at('lease')),
      'dead-letter-table': tableArn({
        ...at('lease'),
        table: task.deadLetterTable ?? deadLetterTableName(task.tables.lease.table),
      }),
      'spool-table': tableArn({ ...at('lease'), table: spoolTableName(task.tables.lease.table) }),
      'source-tombstone-table': tableArn({
        ...at('source'),
        table: twoWayTableNames(task.tables.lease.table).tombstones,
      }),
      'destination-tombstone-table': tableArn({
        ...at('destination'),
        table: twoWayTableNames(task.otherLeaseTable ?? task.tables.lease.table).tombstones,
      }),
      'conflict-table': tableArn({
        ...at('lease'),
        table: twoWayTableNames(task.tables.lease.table).conflicts,
      }),
      'table-list': '*',
    },
  };
}

/** The ARNs of a fan-out's further destination tables, in the task's order (empty for a single table pair). */
export function fanOutTableArns(task: PolicyTask): string[] {
  return destinationTasks(task)
    .slice(1)
    .map((more) => taskArns(more).arns['destination-table']);
}

/** A resource of one task that an identity acts on, with the features that task is covered for. */
export interface Grant {
  readonly arn: string;
  readonly features: readonly IamFeature[];
}

/**
 * The statements of one kind of resource: each action on the ARNs of the grants whose features need it, actions
 * with the same ARNs in one statement (the first `sid`, the others `sid2`, `sid3`, ...). An ARN that a pattern
 * beside it covers is left out: the pattern already allows it.
 */
export function grantStatements(
  resource: IamResource,
  grants: readonly Grant[],
  sid = RESOURCE_SIDS[resource],
): { readonly statement: PolicyStatement; readonly explain: ExplainedStatement }[] {
  const groups = new Map<string, { arns: string[]; actions: ExplainedStatement['actions'][number][] }>();
  for (const permission of IAM_PERMISSIONS.filter((p) => p.resource === resource)) {
    const needing = grants.filter((g) => permission.features.some((f) => g.features.includes(f)));
    if (needing.length === 0) continue;
    const arns = narrowest(distinct(needing.map((g) => g.arn)));
    const used = new Set(needing.flatMap((g) => g.features));
    const key = JSON.stringify(arns);
    const group = groups.get(key) ?? { arns, actions: [] };
    group.actions.push({
      action: permission.action,
      why: permission.why,
      features: permission.features.filter((f) => used.has(f)),
    });
    groups.set(key, group);
  }
  return [...groups.values()].map(({ arns, actions }, i) => {
    const name = i === 0 ? sid : `${sid}${i + 1}`;
    return {
      statement: {
        Sid: name,
        Effect: 'Allow',
        Action: actions.map((a) => a.action),
        Resource: oneOrMany(arns),
      },
      explain: { sid: name, about: arns.join(', '), actions },
    };
  });
}

/** The ARNs without those another one of them covers as a pattern. */
function narrowest(arns: readonly string[]): string[] {
  let kept: string[] = [];
  for (const arn of arns) {
    if (kept.some((pattern) => matches(pattern, arn))) continue;
    kept = [...kept.filter((other) => !matches(arn, other)), arn];
  }
  return kept;
}

/** One side of one task, and whose credentials act on it. */
interface Act {
  readonly task: PolicyTask;
  readonly accounts: TableAccounts;
  readonly arns: Readonly<Record<IamResource, string>>;
  readonly features: readonly IamFeature[];
  readonly side: PolicySide;
  readonly credentials: PolicyTask['credentials'][PolicySide];
}

export function identityPolicies(tasks: readonly PolicyTask[]): PrintedPolicy[] {
  const acts: Act[] = tasks.flatMap(destinationTasks).flatMap((task) => {
    const { accounts, arns } = taskArns(task);
    const features = coveredFeatures(task.features);
    return POLICY_SIDES.map((side) => ({
      task,
      accounts,
      arns,
      features,
      side,
      credentials: task.credentials[side],
    }));
  });
  const parts = (on: readonly Act[]) =>
    POLICY_SIDES.flatMap((side) => SIDE_RESOURCES[side]).flatMap((resource) =>
      grantStatements(
        resource,
        on
          .filter((a) => SIDE_RESOURCES[a.side].includes(resource))
          .map((a) => ({ arn: a.arns[resource], features: a.features })),
      ),
    );
  // Two roles (or profiles) first acting on the same side would share a name: the later ones get -2, -3, ...
  const taken = new Map<string, number>();
  const unique = (name: string): string => {
    const n = (taken.get(name) ?? 0) + 1;
    taken.set(name, n);
    return n === 1 ? name : `${name}-${n}`;
  };
  const firstSide = (of: readonly Act[]): PolicySide | undefined =>
    POLICY_SIDES.find((side) => of.some((a) => a.side === side));

  const policies: PrintedPolicy[] = [];
  // Credentials as given (a profile, or the default chain): the sides they reach directly, and the roles they assume.
  for (const key of distinct(acts.map((a) => baseKey(a.credentials)))) {
    const users = acts.filter((a) => baseKey(a.credentials) === key);
    const direct = users.filter((a) => a.credentials.roleArn === undefined);
    const assumes = distinct(users.map((a) => a.credentials.roleArn));
    const statements = parts(direct);
    if (assumes.length > 0) {
      statements.push({
        statement: {
          Sid: 'AssumeRoles',
          Effect: 'Allow',
          Action: ['sts:AssumeRole'],
          Resource: oneOrMany(assumes),
        },
        explain: {
          sid: 'AssumeRoles',
          about: assumes.join(', '),
          actions: [
            {
              action: 'sts:AssumeRole',
              why: "gets the credentials of the roles the --*-role-arn flags (a plan's roleArn fields) name",
              features: [],
            },
          ],
        },
      });
    }
    const first = firstSide(users);
    // Where the credentials reach a table directly, that table's account tells whose they are.
    const owner = direct[0] ?? users[0];
    if (owner === undefined) continue;
    const { task, accounts } = owner;
    policies.push({
      name: unique(first === 'source' ? 'replicator' : `${first ?? 'other'}-credentials`),
      kind: 'identity',
      attachTo: describeBase(key, basePrincipal(task, accounts, key), task.identities.has(key)),
      document: { Version: POLICY_VERSION, Statement: statements.map((p) => p.statement) },
      explain: statements.map((p) => p.explain),
    });
  }
  for (const role of distinct(acts.map((a) => a.credentials.roleArn))) {
    const users = acts.filter((a) => a.credentials.roleArn === role);
    const statements = parts(users);
    const name = unique(`${firstSide(users) ?? 'other'}-role`);
    policies.push({
      name,
      kind: 'identity',
      attachTo: `role ${role}`,
      document: { Version: POLICY_VERSION, Statement: statements.map((p) => p.statement) },
      explain: statements.map((p) => p.explain),
    });
    policies.push(trustPolicy(users, role, `${name}-trust`));
  }
  return policies;
}

function trustPolicy(users: readonly Act[], role: string, name: string): PrintedPolicy {
  const principals = distinct(users.map((u) => basePrincipal(u.task, u.accounts, baseKey(u.credentials))));
  const externalIds = distinct(users.map((u) => u.credentials.externalId));
  const statement: PolicyStatement = {
    Sid: 'TrustReplicator',
    Effect: 'Allow',
    Principal: { AWS: oneOrMany(principals) },
    Action: ['sts:AssumeRole'],
    ...(externalIds.length === 0
      ? {}
      : { Condition: { StringEquals: { 'sts:ExternalId': oneOrMany(externalIds) } } }),
  };
  const condition = externalIds.length === 0 ? '' : ', only with the external id given';
  return {
    name,
    kind: 'trust',
    attachTo: `role ${role}`,
    document: { Version: POLICY_VERSION, Statement: [statement] },
    explain: [
      {
        sid: 'TrustReplicator',
        about: principals.join(', '),
        actions: [
          {
            action: 'sts:AssumeRole',
            why: `lets the replicator's credentials assume this role${condition}`,
            features: [],
          },
        ],
      },
    ],
  };
}

function describeBase(key: string, principal: string, known: boolean): string {
  const credentials = key === 'default' ? 'the default credential chain' : `profile ${key.slice(8)}`;
  const account = principal.split(':')[4] ?? '?';
  if (!known) return `the identity of ${credentials} (not known here: an identity of account ${account})`;
  const kind = principal.includes(':role/') ? 'role' : principal.includes(':user/') ? 'user' : 'account';
  return `${kind} ${principal} (the identity of ${credentials})`;
}
