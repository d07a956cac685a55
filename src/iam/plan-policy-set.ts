// Pure: the least-privilege policy documents of a fleet running a plan (`policy --plan`): one identity policy per
// identity that acts (the credentials at hand and each role the plan names), covering every task of the plan on
// that identity's sides, and each role's trust policy: the documents of one task's policy (identity-policies.ts),
// built from every task at once. A glob's tables are IAM patterns (plan-policy-tasks.ts). The plan's own actions
// come from IAM_PERMISSIONS too: ListTables (on "*") for its globs, UpdateTable on the source tables of entries
// with enableStream, and createTable's actions on the destinations that entries create.
import { DEFAULT_CREDENTIALS } from '../config/credential-source.js';
import { ConfigError } from '../errors/replicator-error.js';
import { inPlanWords } from '../plan/plan-fields.js';
import { BASE_FEATURES, IAM_FEATURES, type IamFeature } from './iam-permissions.js';
import { fanOutTableArns, identityPolicies, taskArns, type PolicyTask } from './identity-policies.js';
import type { PrintedPolicy } from './policy-document.js';
import { notesFor, placeholdersIn, twoWayResources, type PolicySet } from './policy-set.js';
import type { PlanPolicyTask } from './plan-policy-tasks.js';
import type { CallerIdentity } from './side-accounts.js';

export interface PlanPolicyInputs {
  /** The plan file, as the output names it. */
  readonly file: string;
  readonly tasks: readonly PlanPolicyTask[];
  /** --source-account and --dest-account: every task's (a source table named by ARN has its own). */
  readonly accounts: { readonly source?: string | undefined; readonly destination?: string | undefined };
  /** GetCallerIdentity of each set of base credentials, by baseKey. */
  readonly identities: ReadonlyMap<string, CallerIdentity>;
}

export interface PlanPolicySet {
  readonly plan: string;
  readonly setup: 'role';
  /** Every feature some task is covered for. */
  readonly features: readonly IamFeature[];
  /** Each task's resources (a glob's by pattern), under its entry's label. */
  readonly tasks: readonly {
    readonly entry: string;
    readonly selectedBy: 'name' | 'glob';
    readonly resources: PolicySet['resources'];
  }[];
  readonly policies: readonly PrintedPolicy[];
  readonly placeholders: Readonly<Record<string, string>>;
  readonly notes: readonly string[];
}

export function planPolicySet(inputs: PlanPolicyInputs): PlanPolicySet {
  const tasks = inputs.tasks.map((task): PolicyTask => {
    const { source, destination, lease } = task.sides;
    // A two-way pair's B→A reads side B, the account --dest-account names, and writes side A.
    const [account, destinationAccount, flag] =
      task.sidesSwapped === true
        ? [inputs.accounts.destination, inputs.accounts.source, '--dest-account']
        : [inputs.accounts.source, inputs.accounts.destination, '--source-account'];
    if (account !== undefined && task.sourceAccount !== undefined && account !== task.sourceAccount) {
      throw new ConfigError(
        `${flag} ${account} differs from the account of ${task.label}'s ARN (${task.sourceAccount}): leave ${flag} out or make them agree`,
      );
    }
    return {
      setup: 'role',
      features: task.features,
      sourceRegion: source.region,
      tables: task.tables,
      deadLetterTable: task.deadLetterTable,
      fanOut: task.fanOut,
      otherLeaseTable: task.otherLeaseTable,
      credentials: {
        source: source.credentials ?? DEFAULT_CREDENTIALS,
        destination: destination.credentials ?? DEFAULT_CREDENTIALS,
        lease: lease.credentials ?? DEFAULT_CREDENTIALS,
      },
      accounts: {
        source: task.sourceAccount ?? account,
        destination: task.destinationAccount ?? destinationAccount,
      },
      identities: inputs.identities,
    };
  });
  const features = IAM_FEATURES.filter(
    (f) => BASE_FEATURES.includes(f) || tasks.some((t) => t.features.includes(f)),
  );
  const policies = identityPolicies(tasks);
  const resources = tasks.map((task, i) => {
    const { arns } = taskArns(task);
    const fanOutTables = fanOutTableArns(task);
    return {
      entry: inputs.tasks[i]?.label ?? '?',
      selectedBy: inputs.tasks[i]?.selectedBy ?? 'name',
      resources: {
        sourceTable: arns['source-table'],
        sourceStream: arns['source-stream'],
        destinationTable: arns['destination-table'],
        ...(fanOutTables.length === 0 ? {} : { fanOutTables }),
        leaseTable: arns['lease-table'],
        ...(task.features.includes('dead-letter') ? { deadLetterTable: arns['dead-letter-table'] } : {}),
        ...(task.features.includes('bootstrap') ? { spoolTable: arns['spool-table'] } : {}),
        ...twoWayResources(task.features, arns),
      },
    };
  });
  const [first] = tasks;
  const placeholders =
    first === undefined ? {} : placeholdersIn(JSON.stringify([resources, policies]), first);
  return {
    plan: inputs.file,
    setup: 'role',
    features,
    tasks: resources,
    policies,
    // In the plan's words: a role is the plan's destination.roleArn, not a flag of this command.
    placeholders: Object.fromEntries(
      Object.entries(placeholders).map(([placeholder, meaning]) => [placeholder, inPlanWords(meaning)]),
    ),
    notes: [
      ...notesFor({ setup: 'role', identities: inputs.identities }, features, policies),
      ...planNotes(inputs.tasks),
      ...sizeNotes(policies),
    ],
  };
}

/** A customer managed policy holds at most this many characters, whitespace not counted (IAM quotas). */
export const MANAGED_POLICY_CHARACTERS = 6_144;

/** Many named pairs make long resource lists: say which documents IAM would refuse as one managed policy. */
function sizeNotes(policies: readonly PrintedPolicy[]): string[] {
  const large = policies.filter((p) => JSON.stringify(p.document).length > MANAGED_POLICY_CHARACTERS);
  if (large.length === 0) return [];
  return [
    `${large.map((p) => p.name).join(', ')} ${large.length === 1 ? 'is' : 'are'} longer than the ${MANAGED_POLICY_CHARACTERS} characters of a managed policy: split the statements over several policies, or name the pairs by a glob (one pattern instead of each table).`,
  ];
}

function planNotes(tasks: readonly PlanPolicyTask[]): string[] {
  const notes: string[] = [];
  const labels = (which: (t: PlanPolicyTask) => boolean): string =>
    [...new Set(tasks.filter(which).map((t) => t.label))].join(', ');
  const globs = labels((t) => t.selectedBy === 'glob');
  if (globs !== '') {
    notes.push(
      `dynamodb:ListTables is allowed on Resource "*" and cannot be narrowed: ListTables names no table, so IAM allows it on every table of the account or on none (it shows table names, never items). Only the plan's globs need it (${globs}).`,
      `A glob's tables are named by IAM patterns of the glob (${globs}), not by the tables that exist today: a table created later that the glob selects is replicated without a new policy. A pattern also covers the tables the glob's exclude leaves out, and where IAM has no equivalent ([a-c] is any one character, a brace without a comma any characters) more.`,
    );
  }
  const byPrefix = labels((t) => t.leaseByPrefix);
  if (byPrefix !== '') {
    notes.push(
      `The lease tables of ${byPrefix} cannot be narrowed below DynamoDBCrossRegionReplication*: a lease table is named by its task name, by default an MD5 of the source and destination, which no pattern of table names predicts. A taskName with {name} on the entry (e.g. "{name}-repl") narrows them to DynamoDBCrossRegionReplication<glob>-repl; set it before the entry's first run, as another task name is another lease table (its checkpoints start over).`,
    );
  }
  const enabling = labels((t) => t.features.includes('enable-stream'));
  if (enabling !== '') {
    notes.push(
      `dynamodb:UpdateTable (it changes the source table) is allowed only on the source tables of entries with enableStream: true (${enabling}); with their streams enabled beforehand (NEW_AND_OLD_IMAGES), drop enableStream and UpdateTable is not needed.`,
    );
  }
  return notes;
}
