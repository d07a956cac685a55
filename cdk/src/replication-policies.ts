// The replicator's IAM statements, from the code `ddb-replicator policy` prints them with (src/iam: its action list
// and identityPolicies), never written here: the same table, stream, lease table and destination role give the same
// statements in both. The construct only picks which of them an engine needs (the Lambda function reads no source
// table and keeps no lease table) and, where the stream's ARN is known, names that one stream instead of the
// table's `stream/*`. The destination role's own policies (identity and trust) are the CLI's too: they belong to
// the destination account, so they are handed out for it, not created here.
import { Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { partitionOf } from '../../src/iam/aws-arns.js';
import type { IamFeature, IamResource } from '../../src/iam/iam-permissions.js';
import { identityPolicies, RESOURCE_SIDS } from '../../src/iam/identity-policies.js';
import { matches } from '../../src/iam/policy-allows.js';
import type { PolicyStatement, PrintedPolicy } from '../../src/iam/policy-document.js';
import type { ResolvedReplication } from './replication-sides.js';

export interface ReplicatorPolicies {
  /** For the replicator's own role (the function's or the tasks'). */
  readonly statements: readonly iam.PolicyStatement[];
  /** With a destination role: its identity policy and its trust policy, as `policy` prints them. */
  readonly destinationRole: readonly PrintedPolicy[];
}

export interface PolicyChoice {
  /** Features beyond replicate and status (e.g. dead-letter from DDB_REPLICATOR_ON_REJECT). */
  readonly features: readonly IamFeature[];
  /** The resources the engine acts on with its own role; others' statements are left out. */
  readonly resources: readonly IamResource[];
  /**
   * The replicator role's name, when it is fixed: the trust policy then names that role, as `policy` does for
   * credentials whose STS identity it looked up, instead of the whole account.
   */
  readonly roleName?: string | undefined;
  /** `--dead-letter-table`, when set. */
  readonly deadLetterTable?: string | undefined;
}

export function replicatorPolicies(r: ResolvedReplication, choice: PolicyChoice): ReplicatorPolicies {
  const { roleArn, externalId } = r.destination;
  const identities = new Map(
    choice.roleName === undefined
      ? []
      : // What STS GetCallerIdentity answers inside the function or task: a session of that role.
        [
          [
            'default',
            {
              account: r.source.account,
              arn: `arn:${partitionOf(r.source.region)}:sts::${r.source.account}:assumed-role/${choice.roleName}/replicator`,
            },
          ] as const,
        ],
  );
  const policies = identityPolicies([
    {
      setup: 'role',
      features: choice.features,
      deadLetterTable: choice.deadLetterTable,
      sourceRegion: r.source.region,
      tables: {
        source: { region: r.source.region, table: r.source.table },
        destination: { region: r.destination.region, table: r.destination.table },
        lease: r.lease,
      },
      credentials: {
        source: {},
        destination: roleArn === undefined ? {} : { roleArn, externalId },
        lease: {},
      },
      accounts: { source: r.source.account, destination: r.destination.account },
      identities,
    },
  ]);
  const own = policies.find((p) => p.kind === 'identity' && p.attachTo !== `role ${roleArn ?? ''}`);
  if (own === undefined) throw new Error('the policy code gave no identity policy for the replicator');
  const kept = own.document.Statement.filter(
    (s) => s.Sid === 'AssumeRoles' || choice.resources.some((resource) => ofResource(s, resource)),
  );
  return {
    statements: kept.map((s) => iam.PolicyStatement.fromJson(narrowStream(s, r))),
    destinationRole: roleArn === undefined ? [] : policies.filter((p) => p.attachTo === `role ${roleArn}`),
  };
}

/** A statement of this resource, as identityPolicies names them (`SourceStream`, `SourceStream2`, ...). */
function ofResource(statement: PolicyStatement, resource: IamResource): boolean {
  const sid = RESOURCE_SIDS[resource];
  return statement.Sid === sid || new RegExp(`^${sid}\\d+$`).test(statement.Sid);
}

/**
 * The stream statement on the one stream given, when the policy's pattern covers it (it always should: a stream
 * ARN outside the source table's `stream/*` is refused in replication-sides.ts). A token (a table of the same app)
 * cannot be checked before deploy; it is named as given.
 */
function narrowStream(statement: PolicyStatement, r: ResolvedReplication): PolicyStatement {
  const exact = r.source.streamArn;
  if (exact === undefined || !ofResource(statement, 'source-stream')) return statement;
  const patterns = typeof statement.Resource === 'string' ? [statement.Resource] : (statement.Resource ?? []);
  if (!Token.isUnresolved(exact) && !patterns.some((pattern) => matches(pattern, exact))) {
    throw new Error(`stream ${exact} is not one of ${patterns.join(', ')}`);
  }
  return { ...statement, Resource: exact };
}
