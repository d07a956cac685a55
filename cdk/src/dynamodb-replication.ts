// `new DynamoDbReplication(stack, 'Orders', { source, destination, mode })`: one table pair replicated by either
// engine, with the replicator's role holding exactly the statements `ddb-replicator policy` prints for it. With a
// cross-account destination role, the role's name is fixed so that the trust policy handed out for the destination
// account (`destinationRolePolicies`, also a stack output) can name it rather than the whole source account.
import { createHash } from 'node:crypto';
import { CfnOutput, Stack } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { IamFeature, IamResource } from '../../src/iam/iam-permissions.js';
import type { PrintedPolicy } from '../../src/iam/policy-document.js';
import { FargateReplicator } from './fargate-replicator.js';
import { LambdaReplicator } from './lambda-replicator.js';
import type { DynamoDbReplicationProps } from './replication-props.js';
import { replicatorPolicies } from './replication-policies.js';
import { resolveReplication, type ResolvedReplication } from './replication-sides.js';
import { envVariable } from './replicator-environment.js';

export class DynamoDbReplication extends Construct {
  readonly replication: ResolvedReplication;
  /** The role the function or the tasks run with. */
  readonly role: iam.Role;
  /** The destination role's identity and trust policies, to apply in the destination account; empty without one. */
  readonly destinationRolePolicies: readonly PrintedPolicy[];
  readonly alarms: readonly cloudwatch.Alarm[];
  /** The engine's resources, one of the two set. */
  readonly lambda?: LambdaReplicator;
  readonly fargate?: FargateReplicator;

  constructor(scope: Construct, id: string, props: DynamoDbReplicationProps) {
    super(scope, id);
    const r = resolveReplication(Stack.of(this), props);
    this.replication = r;
    const crossAccount = r.destination.roleArn !== undefined;
    const roleName = crossAccount ? fixedRoleName(r.taskName, r.source.region) : undefined;
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal(
        props.mode === 'lambda' ? 'lambda.amazonaws.com' : 'ecs-tasks.amazonaws.com',
      ),
      ...(roleName === undefined ? {} : { roleName }),
      description: `ddb-replicator ${r.taskName} (${props.mode})`,
    });
    const env = props.environment ?? {};
    const onReject = env[envVariable('on-reject')];
    // A worker started with --bootstrap copies first; unless told to copy directly it may spool (`auto` decides
    // at the copy's first start), so it gets the spool table beside the lease table too.
    const bootstrap = props.mode === 'fargate' && (env[envVariable('bootstrap')] ?? 'false') !== 'false';
    const canSpool = bootstrap && env[envVariable('copy-mode')] !== 'direct';
    const features: IamFeature[] = [
      ...(onReject === 'dead-letter' ? (['dead-letter'] as const) : []),
      ...(bootstrap ? (['bootstrap'] as const) : []),
    ];
    const policies = replicatorPolicies(r, {
      features,
      resources:
        props.mode === 'lambda'
          ? ['source-stream', 'destination-table']
          : ([
              ...['source-table', 'source-stream', 'destination-table', 'lease-table', 'dead-letter-table'],
              ...(canSpool ? ['spool-table'] : []),
            ] as IamResource[]),
      roleName,
      deadLetterTable: env[envVariable('dead-letter-table')],
    });
    this.destinationRolePolicies = policies.destinationRole;
    if (props.mode === 'lambda') {
      this.lambda = new LambdaReplicator(this, 'Lambda', {
        replication: r,
        policies,
        role: this.role,
        settings: props.lambda ?? {},
        environment: props.environment,
      });
      this.alarms = this.lambda.alarms;
    } else {
      this.fargate = new FargateReplicator(this, 'Fargate', {
        replication: r,
        policies,
        role: this.role,
        settings: props.fargate ?? {},
        environment: props.environment,
      });
      this.alarms = this.fargate.alarms;
    }
    if (crossAccount) {
      new CfnOutput(this, 'DestinationRolePolicies', {
        description: `Apply in the destination account to ${r.destination.roleArn ?? ''}: its identity policy and trust policy`,
        value: Stack.of(this).toJsonString(
          this.destinationRolePolicies.map(({ name, kind, document }) => ({ name, kind, document })),
        ),
      });
    }
  }
}

/** IAM's 64 characters: the task name when it fits, else its digest (a task name may be 200 characters). */
function fixedRoleName(taskName: string, region: string): string {
  const name = `ddb-replicator-${region}-${taskName}`;
  if (name.length <= 64 && /^[\w+=,.@-]+$/.test(name)) return name;
  return `ddb-replicator-${region}-${createHash('sha256').update(taskName).digest('hex').slice(0, 24)}`;
}
