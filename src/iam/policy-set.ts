// Pure: the least-privilege policy documents of one replication task, from its tables, the credentials of each
// side and the features asked for: the identity and trust policies (identity-policies.ts, the same code a plan's
// policies come from), each on the exact ARN (the table, its stream, the lease table); the resource-policy setup
// adds the resource-based policies of the source table and its stream. Actions come from IAM_PERMISSIONS only.
import { streamArn } from './aws-arns.js';
import type { IamFeature } from './iam-permissions.js';
import {
  coveredFeatures,
  fanOutTableArns,
  grantStatements,
  identityPolicies,
  taskArns,
  type PolicyTask,
} from './identity-policies.js';
import { POLICY_VERSION, type PrintedPolicy } from './policy-document.js';
import { PLACEHOLDERS, sidePrincipal, type CallerIdentity, type PolicySetup } from './side-accounts.js';

export type {
  ExplainedAction,
  ExplainedStatement,
  PolicyDocument,
  PolicyKind,
  PolicyStatement,
  PrintedPolicy,
} from './policy-document.js';
export type { PolicyTable } from './identity-policies.js';

export interface PolicyInputs extends PolicyTask {
  /** The source's current stream (a resource policy must name it exactly); resource-policy setup only. */
  readonly sourceStreamArn?: string | undefined;
}

export interface PolicySet {
  readonly setup: PolicySetup;
  readonly features: readonly IamFeature[];
  readonly resources: {
    readonly sourceTable: string;
    readonly sourceStream: string;
    readonly destinationTable: string;
    /** A fan-out's further destination tables (plan `destinations:` after the first); absent without one. */
    readonly fanOutTables?: readonly string[];
    readonly leaseTable: string;
    /** With the `dead-letter` feature (`--on-reject dead-letter`) only. */
    readonly deadLetterTable?: string;
    /** With the `bootstrap` feature only: a spool-mode copy's spool table. */
    readonly spoolTable?: string;
    /** With the `two-way` feature only: both sides' tombstone tables and the direction's conflict log. */
    readonly tombstoneTable?: string;
    readonly otherSideTombstoneTable?: string;
    readonly conflictTable?: string;
  };
  readonly policies: readonly PrintedPolicy[];
  /** Each placeholder that occurs in the documents, with what to put there. */
  readonly placeholders: Readonly<Record<string, string>>;
  readonly notes: readonly string[];
}

export function policySet(inputs: PolicyInputs): PolicySet {
  const features = coveredFeatures(inputs.features);
  const { accounts, arns } = taskArns(inputs);
  const policies = identityPolicies([inputs]);
  if (inputs.setup === 'resource-policy') {
    const principal = sidePrincipal(inputs, accounts, 'source');
    const source = { ...inputs.tables.source, account: accounts.source };
    const exactStream = inputs.sourceStreamArn ?? streamArn(source, PLACEHOLDERS.streamLabel);
    for (const [resource, arn, sid, name] of [
      ['source-table', arns['source-table'], 'ReplicatorReadsSourceTable', 'source-table-resource-policy'],
      ['source-stream', exactStream, 'ReplicatorReadsSourceStream', 'source-stream-resource-policy'],
    ] as const) {
      for (const { statement, explain } of grantStatements(resource, [{ arn, features }], sid)) {
        policies.push({
          name,
          kind: 'resource',
          attachTo: `${resource === 'source-table' ? 'table' : 'stream'} ${arn} (aws dynamodb put-resource-policy)`,
          document: { Version: POLICY_VERSION, Statement: [{ ...statement, Principal: { AWS: principal } }] },
          explain: [{ ...explain, about: `${arn}, for ${principal}` }],
        });
      }
    }
  }
  const fanOutTables = fanOutTableArns(inputs);
  const resources = {
    sourceTable: arns['source-table'],
    sourceStream: arns['source-stream'],
    destinationTable: arns['destination-table'],
    ...(fanOutTables.length === 0 ? {} : { fanOutTables }),
    leaseTable: arns['lease-table'],
    ...(features.includes('dead-letter') ? { deadLetterTable: arns['dead-letter-table'] } : {}),
    ...(features.includes('bootstrap') ? { spoolTable: arns['spool-table'] } : {}),
    ...twoWayResources(features, arns),
  };
  return {
    setup: inputs.setup,
    features,
    resources,
    policies,
    placeholders: placeholdersIn(JSON.stringify([resources, policies]), inputs),
    notes: notesFor(inputs, features, policies),
  };
}

/** What each placeholder found in `text` stands for, in the flags' words. */
export function placeholdersIn(
  text: string,
  inputs: Pick<PolicyInputs, 'setup' | 'tables'>,
): Record<string, string> {
  const { tables } = inputs;
  const meanings: Record<string, string> = {
    [PLACEHOLDERS.source]:
      inputs.setup === 'role'
        ? "the source table's account: pass --source-account, or run with the source side's credentials (STS GetCallerIdentity tells their account)"
        : "the source table's account: pass --source-account or --source-stream-arn",
    [PLACEHOLDERS.destination]:
      "the destination table's account: pass --dest-account or --dest-role-arn, or run with the destination side's credentials",
    [PLACEHOLDERS.lease]:
      "the lease table's account: pass --lease-role-arn, or run with the lease side's credentials",
    [PLACEHOLDERS.caller]:
      'the account of the credentials that assume the roles: run with them (STS GetCallerIdentity tells their account)',
    [PLACEHOLDERS.streamLabel]: `the label of the source table's current stream: pass --source-stream-arn with what \`aws dynamodb describe-table --table-name ${tables.source.table} --region ${tables.source.region} --query Table.LatestStreamArn\` prints`,
  };
  return Object.fromEntries(Object.entries(meanings).filter(([placeholder]) => text.includes(placeholder)));
}

/** What to know besides the documents: the lease table made beforehand, KMS keys, role paths, the setup's own. */
export function notesFor(
  inputs: { readonly setup: PolicySetup; readonly identities: ReadonlyMap<string, CallerIdentity> },
  features: readonly IamFeature[],
  policies: readonly PrintedPolicy[],
): string[] {
  const notes = [
    'dynamodb:CreateTable on the lease table can be left out when the lease table is created beforehand (hash key leaseKey, type S).',
    ...(features.includes('dead-letter')
      ? [
          'dynamodb:CreateTable on the dead-letter table can be left out when it is created beforehand (hash key pk, range key sk, both type S).',
        ]
      : []),
    'A table encrypted with a customer managed KMS key also needs permissions on that key (not printed here).',
  ];
  const trusted = policies.some((p) => p.kind === 'trust');
  if (trusted && [...inputs.identities.values()].some((i) => i.arn.includes(':assumed-role/'))) {
    notes.push(
      "A principal taken from a role session names the role without its path: for a role with a path (role/team/name), add the path to the principal's ARN.",
    );
  }
  if (inputs.setup === 'resource-policy') {
    notes.push(
      "Across accounts, name the source table by its ARN (--source-table arn:...:table/<name>; a name alone means a table of the caller's own account); the identity policy and the resource-based policies must both allow each action.",
      "A stream's resource-based policy belongs to that stream: after the stream is disabled and enabled again, attach it to the new stream.",
    );
    if (features.includes('create-dest-table')) {
      notes.push(
        "--create-dest-table reads the source's time to live (and with --copy-tags its tags) across accounts: check that DynamoDB's list of operations supported by resource-based policies allows them across accounts.",
      );
    }
  }
  return notes;
}

/** A two-way direction's own tables, for the resources summary (none without the feature). */
export function twoWayResources(
  features: readonly IamFeature[],
  arns: Readonly<Record<string, string>>,
): { tombstoneTable?: string; otherSideTombstoneTable?: string; conflictTable?: string } {
  if (!features.includes('two-way')) return {};
  return {
    ...(arns['source-tombstone-table'] === undefined
      ? {}
      : { tombstoneTable: arns['source-tombstone-table'] }),
    ...(arns['destination-tombstone-table'] === undefined
      ? {}
      : { otherSideTombstoneTable: arns['destination-tombstone-table'] }),
    ...(arns['conflict-table'] === undefined ? {} : { conflictTable: arns['conflict-table'] }),
  };
}
