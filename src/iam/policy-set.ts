// Pure: the least-privilege policy documents of one replication task, from its tables, the credentials of each
// side and the features asked for. Each identity that acts gets the statements of the sides it acts on, each on
// the exact ARN (the table, its stream, the lease table); credentials that assume a role get sts:AssumeRole on
// that role alone, and each role a trust policy naming who assumes it (with the external id as a condition). The
// resource-policy setup adds the resource-based policies of the source table and its stream. Actions come from
// IAM_PERMISSIONS only.
import { streamArn, tableArn } from './aws-arns.js';
import {
  BASE_FEATURES,
  IAM_FEATURES,
  permissionsFor,
  type IamFeature,
  type IamResource,
} from './iam-permissions.js';
import {
  baseKey,
  basePrincipal,
  PLACEHOLDERS,
  POLICY_SIDES,
  sidePrincipal,
  tableAccounts,
  type AccountInputs,
  type PolicySetup,
  type PolicySide,
} from './side-accounts.js';

export interface PolicyStatement {
  readonly Sid: string;
  readonly Effect: 'Allow';
  readonly Principal?: { readonly AWS: string | readonly string[] };
  readonly Action: readonly string[];
  readonly Resource?: string | readonly string[];
  readonly Condition?: { readonly StringEquals: Readonly<Record<string, string | readonly string[]>> };
}

export interface PolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly PolicyStatement[];
}

export interface ExplainedAction {
  readonly action: string;
  readonly why: string;
  readonly features: readonly IamFeature[];
}

/** What a statement is for, for the text output. */
export interface ExplainedStatement {
  readonly sid: string;
  readonly about: string;
  readonly actions: readonly ExplainedAction[];
}

export type PolicyKind = 'identity' | 'trust' | 'resource';

export interface PrintedPolicy {
  readonly name: string;
  readonly kind: PolicyKind;
  /** Where the document goes, in words with the ARN. */
  readonly attachTo: string;
  readonly document: PolicyDocument;
  readonly explain: readonly ExplainedStatement[];
}

export interface PolicyTable {
  readonly region: string;
  readonly table: string;
}

export interface PolicyInputs extends AccountInputs {
  /** The features asked for; replicate and status are always covered. */
  readonly features: readonly IamFeature[];
  readonly tables: Readonly<Record<PolicySide, PolicyTable>>;
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
    readonly leaseTable: string;
  };
  readonly policies: readonly PrintedPolicy[];
  /** Each placeholder that occurs in the documents, with what to put there. */
  readonly placeholders: Readonly<Record<string, string>>;
  readonly notes: readonly string[];
}

const SIDE_RESOURCES: Record<PolicySide, readonly IamResource[]> = {
  source: ['source-table', 'source-stream'],
  destination: ['destination-table'],
  lease: ['lease-table'],
};

const RESOURCE_SIDS: Record<IamResource, string> = {
  'source-table': 'SourceTable',
  'source-stream': 'SourceStream',
  'destination-table': 'DestinationTable',
  'lease-table': 'LeaseTable',
};

const VERSION = '2012-10-17';

export function policySet(inputs: PolicyInputs): PolicySet {
  const features = IAM_FEATURES.filter((f) => BASE_FEATURES.includes(f) || inputs.features.includes(f));
  const accounts = tableAccounts(inputs);
  const at = (side: PolicySide) => ({ ...inputs.tables[side], account: accounts[side] });
  const arns: Record<IamResource, string> = {
    'source-table': tableArn(at('source')),
    'source-stream': streamArn(at('source')),
    'destination-table': tableArn(at('destination')),
    'lease-table': tableArn(at('lease')),
  };
  const statementFor = (resource: IamResource, sid = RESOURCE_SIDS[resource], arn = arns[resource]) => {
    const permissions = permissionsFor(features, resource);
    return {
      statement: {
        Sid: sid,
        Effect: 'Allow',
        Action: permissions.map((p) => p.action),
        Resource: arn,
      } as const,
      explain: {
        sid,
        about: arn,
        actions: permissions.map((p) => ({
          action: p.action,
          why: p.why,
          features: p.features.filter((f) => features.includes(f)),
        })),
      },
    };
  };

  const statementsFor = (sides: readonly PolicySide[]) =>
    sides
      .flatMap((side) => SIDE_RESOURCES[side])
      .map((resource) => statementFor(resource))
      .filter((p) => p.statement.Action.length > 0);

  const policies: PrintedPolicy[] = [];
  const { credentials } = inputs;
  const roles = distinct(POLICY_SIDES.map((side) => credentials[side].roleArn));
  // Credentials as given (a profile, or the default chain): the sides they reach directly, and the roles they assume.
  for (const key of distinct(POLICY_SIDES.map((side) => baseKey(credentials[side])))) {
    const direct = POLICY_SIDES.filter(
      (side) => credentials[side].roleArn === undefined && baseKey(credentials[side]) === key,
    );
    const assumes = distinct(
      POLICY_SIDES.filter((side) => baseKey(credentials[side]) === key).map(
        (side) => credentials[side].roleArn,
      ),
    );
    const parts = statementsFor(direct);
    const statements: PolicyStatement[] = parts.map((p) => p.statement);
    const explain: ExplainedStatement[] = parts.map((p) => p.explain);
    if (assumes.length > 0) {
      statements.push({
        Sid: 'AssumeRoles',
        Effect: 'Allow',
        Action: ['sts:AssumeRole'],
        Resource: oneOrMany(assumes),
      });
      explain.push({
        sid: 'AssumeRoles',
        about: assumes.join(', '),
        actions: [
          {
            action: 'sts:AssumeRole',
            why: 'gets the credentials of the roles the --*-role-arn flags name',
            features: [],
          },
        ],
      });
    }
    const first = POLICY_SIDES.find((side) => baseKey(credentials[side]) === key);
    policies.push({
      name: first === 'source' ? 'replicator' : `${first ?? 'other'}-credentials`,
      kind: 'identity',
      attachTo: describeBase(key, basePrincipal(inputs, accounts, key), inputs.identities.has(key)),
      document: { Version: VERSION, Statement: statements },
      explain,
    });
  }
  for (const role of roles) {
    const sides = POLICY_SIDES.filter((side) => credentials[side].roleArn === role);
    const parts = statementsFor(sides);
    const name = `${sides[0] ?? 'other'}-role`;
    policies.push({
      name,
      kind: 'identity',
      attachTo: `role ${role}`,
      document: { Version: VERSION, Statement: parts.map((p) => p.statement) },
      explain: parts.map((p) => p.explain),
    });
    policies.push(trustPolicy(inputs, accounts, role, sides, `${name}-trust`));
  }
  if (inputs.setup === 'resource-policy') {
    const principal = sidePrincipal(inputs, accounts, 'source');
    const exactStream = inputs.sourceStreamArn ?? streamArn(at('source'), PLACEHOLDERS.streamLabel);
    for (const [resource, arn, sid, name] of [
      ['source-table', arns['source-table'], 'ReplicatorReadsSourceTable', 'source-table-resource-policy'],
      ['source-stream', exactStream, 'ReplicatorReadsSourceStream', 'source-stream-resource-policy'],
    ] as const) {
      const { statement, explain } = statementFor(resource, sid, arn);
      policies.push({
        name,
        kind: 'resource',
        attachTo: `${resource === 'source-table' ? 'table' : 'stream'} ${arn} (aws dynamodb put-resource-policy)`,
        document: { Version: VERSION, Statement: [{ ...statement, Principal: { AWS: principal } }] },
        explain: [{ ...explain, about: `${arn}, for ${principal}` }],
      });
    }
  }
  const resources = {
    sourceTable: arns['source-table'],
    sourceStream: arns['source-stream'],
    destinationTable: arns['destination-table'],
    leaseTable: arns['lease-table'],
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

function trustPolicy(
  inputs: PolicyInputs,
  accounts: ReturnType<typeof tableAccounts>,
  role: string,
  sides: readonly PolicySide[],
  name: string,
): PrintedPolicy {
  const users = sides.map((side) => inputs.credentials[side]);
  const principals = distinct(users.map((c) => basePrincipal(inputs, accounts, baseKey(c))));
  const externalIds = distinct(users.map((c) => c.externalId));
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
    document: { Version: VERSION, Statement: [statement] },
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

function placeholdersIn(text: string, inputs: PolicyInputs): Record<string, string> {
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

function notesFor(
  inputs: PolicyInputs,
  features: readonly IamFeature[],
  policies: readonly PrintedPolicy[],
): string[] {
  const notes = [
    'dynamodb:CreateTable on the lease table can be left out when the lease table is created beforehand (hash key leaseKey, type S).',
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

function distinct(values: readonly (string | undefined)[]): string[] {
  return [...new Set(values.filter((v): v is string => v !== undefined))];
}

function oneOrMany(values: readonly string[]): string | readonly string[] {
  return values.length === 1 ? (values[0] ?? '') : values;
}
