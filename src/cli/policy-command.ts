// `ddb-replicator policy`: prints the least-privilege IAM policy documents of a task (JSON; --format text explains
// each statement), from the same table, lease and credential flags as `replicate`. Accounts come from
// --source-account/--dest-account, role ARNs and STS GetCallerIdentity of the credentials at hand, looked up for a
// few seconds at most; what stays unknown is a placeholder the output explains. Never touches a table. With
// --plan, the documents a fleet running that plan needs, over every task of it. A plan's globs are not resolved
// against ListTables: a policy of today's tables would refuse a table the glob selects tomorrow, and the plan is
// refreshed while it runs, so a glob's tables are IAM patterns and nothing is asked of AWS but the same STS
// lookups as for one task.
import type { Argv } from 'yargs';
import { SideClients } from '../app/side-clients.js';
import { buildTaskSides, type TaskSides } from '../config/replication-config.js';
import { DEFAULT_CREDENTIALS } from '../config/credential-source.js';
import { parseTableArn, plainTableName } from '../config/table-arn.js';
import { refusedForTwoWay, twoWayRefusal } from '../config/two-way-flags.js';
import { ConfigError } from '../errors/replicator-error.js';
import { buildDeadLetterOptions, ON_REJECT } from '../deadletter/dead-letter-options.js';
import { parseStreamArn } from '../iam/aws-arns.js';
import type { IamFeature } from '../iam/iam-permissions.js';
import { planPolicySet } from '../iam/plan-policy-set.js';
import { planPolicyTasks, type PlanPolicyTask } from '../iam/plan-policy-tasks.js';
import { planPolicyText } from '../iam/plan-policy-text.js';
import type { PrintedPolicy } from '../iam/policy-document.js';
import { policySet } from '../iam/policy-set.js';
import { policyText } from '../iam/policy-text.js';
import { baseKey, POLICY_SETUPS, POLICY_SIDES, type CallerIdentity } from '../iam/side-accounts.js';
import { createLogger, type Logger } from '../observability/logger.js';
import { loadPlan } from '../plan/load-plan.js';
import { planNamesProfile } from '../plan/plan-tasks.js';
import { anyProfile, credentialArgs, credentialFlags, loadKnownProfiles } from './credential-flags.js';
import { EXIT_OK } from './exit-codes.js';
import { planFlag, refuseWithPlan, TABLE_PAIR_FLAGS } from './plan-flag.js';
import { exitCodeFor, reportFailure } from './report-failure.js';
import { commandSessionName } from './session-name.js';
import { tableFlags, tableFlagValues } from './table-flags.js';
import { twoWaySides } from './two-way-sides.js';

/** How long the account lookups may take together: STS answers in well under a second where it is reachable. */
const LOOKUP_TIMEOUT_MS = 4_000;

/** The flags that name one task (or its stream): with --plan, the plan names the tasks. */
const TASK_FLAGS = [
  ...TABLE_PAIR_FLAGS,
  'task-name',
  'lease-region',
  'lease-profile',
  'lease-role-arn',
  'lease-external-id',
  'source-stream-arn',
  // One table name for every task would mix their keys: a plan names it per entry (as replicate --plan refuses it).
  'dead-letter-table',
] as const;

export function policyFlags<T>(yargs: Argv<T>) {
  return planFlag(credentialFlags(tableFlags(yargs), ['lease']))
    .option('task-name', {
      type: 'string',
      alias: ['taskName'],
      describe:
        'As for replicate: names the lease table [default: MD5 of source region + table + destination region + table]',
    })
    .option('lease-region', {
      type: 'string',
      alias: ['kclRegion'],
      describe: 'Region of the lease table [default: --source-region]',
    })
    .option('source-account', {
      type: 'string',
      describe:
        "Account of the source table (with --plan, of every source table not named by ARN) [default: that of --source-table's ARN; with --setup role, the source side's credentials' (role ARN, else STS GetCallerIdentity)]",
    })
    .option('dest-account', {
      type: 'string',
      describe:
        "Account of the destination table (with --plan, of every one) [default: the destination side's credentials' (role ARN, else STS GetCallerIdentity)]",
    })
    .option('setup', {
      choices: POLICY_SETUPS,
      default: 'role' as const,
      describe:
        "role: the replicator runs with the source account's credentials and assumes the roles the --*-role-arn flags name (identity and trust policies). resource-policy: it runs with the destination account's credentials and reads the source through resource-based policies on the source table and its stream (printed too, for that identity)",
    })
    .option('source-stream-arn', {
      type: 'string',
      describe:
        "With --setup resource-policy: the source's current stream ARN (a stream's resource-based policy must name it) [default: a <STREAM_LABEL> placeholder]",
    })
    .option('bootstrap', { type: 'boolean', default: false, describe: 'Also cover replicate --bootstrap' })
    .option('verify', { type: 'boolean', default: false, describe: 'Also cover verify and verify --repair' })
    .option('create-dest-table', {
      type: 'boolean',
      default: false,
      describe: 'Also cover replicate --create-dest-table',
    })
    .option('copy-tags', {
      type: 'boolean',
      default: false,
      describe: 'Also cover --copy-tags (with --create-dest-table)',
    })
    .option('on-reject', {
      choices: ON_REJECT,
      describe:
        "Also cover --on-reject dead-letter: the dead-letter table beside the lease table (a worker's, dead-letters list|replay|purge and status --on-reject dead-letter) [default: stop; with --plan, for entries that do not say]",
    })
    .option('dead-letter-table', {
      type: 'string',
      describe:
        'With --on-reject dead-letter: the dead-letter table, as replicate names it [default: <lease table>-dead-letters]',
    })
    .option('two-way', {
      type: 'boolean',
      default: false,
      describe:
        "Cover replicate --two-way of the pair (source: side A, destination: side B): both directions, each side's tables of ours, status --two-way and conflicts list",
    })
    .option('marker-prefix', {
      type: 'string',
      describe: 'With --two-way: as given to replicate (not needed by IAM)',
    })
    .option('lookup', {
      type: 'boolean',
      default: true,
      describe:
        'Ask STS (GetCallerIdentity) whose the credentials at hand are; --no-lookup: flags and role ARNs only',
    })
    .option('format', {
      choices: ['json', 'text'] as const,
      default: 'json' as const,
      describe: 'json: the documents to apply; text: each statement explained',
    });
}

export type PolicyArgs = Awaited<ReturnType<typeof policyFlags>['argv']>;

export async function runPolicy(args: PolicyArgs): Promise<number> {
  const logger = createLogger({ level: 'warn' });
  try {
    if (args.plan !== undefined) return await planPolicy(args.plan, args, logger);
    if (args['two-way']) return await twoWayPolicy(args, logger);
    const profiles = await loadKnownProfiles(anyProfile(args, ['source', 'destination', 'lease']));
    // replicate's own task sides, so that the task name, the lease table's region and credentials, and the
    // --copy-tags rule are the ones a worker with the same flags would use.
    const config = buildTaskSides(
      {
        ...tableFlagValues(args),
        taskName: args['task-name'],
        leaseRegion: args['lease-region'],
        leaseCredentials: credentialArgs(args, 'lease'),
        createDestTable: args['create-dest-table'],
        copyTags: args['copy-tags'],
      },
      process.env,
      profiles,
    );
    const source = sourceTable(args, config);
    // The table replicate --on-reject dead-letter would use, named by the same function.
    const deadLetters = buildDeadLetterOptions(
      { onReject: args['on-reject'], deadLetterTable: args['dead-letter-table'] },
      config.lease.tableName,
    );
    const set = policySet({
      setup: args.setup,
      features: [...features(args), ...(deadLetters === undefined ? [] : ['dead-letter' as const])],
      deadLetterTable: deadLetters?.tableName,
      sourceRegion: config.source.region,
      tables: {
        source: { region: config.source.region, table: source.table },
        destination: { region: config.destination.region, table: config.destination.tableName },
        lease: { region: config.lease.region, table: config.lease.tableName },
      },
      credentials: {
        source: config.source.credentials ?? DEFAULT_CREDENTIALS,
        destination: config.destination.credentials ?? DEFAULT_CREDENTIALS,
        lease: config.lease.credentials ?? DEFAULT_CREDENTIALS,
      },
      accounts: {
        source: source.account,
        destination: accountFlag(args['dest-account'], '--dest-account'),
      },
      ...streamFlag(args, config.source.region, source),
      identities: args.lookup ? await lookUpIdentities([config], logger) : new Map(),
    });
    process.stdout.write(args.format === 'text' ? `${policyText(set)}\n` : `${policyJson(set)}\n`);
    return EXIT_OK;
  } catch (err) {
    reportFailure(err, logger);
    return exitCodeFor(err);
  }
}

/** `policy --plan`: the plan's tasks from the file alone (a mistake in it is exit 2, as for the other commands). */
async function planPolicy(file: string, args: PolicyArgs, logger: Logger): Promise<number> {
  refuseWithPlan(args, TASK_FLAGS);
  if (args.setup !== 'role') {
    throw new ConfigError(
      "--setup resource-policy does not apply to --plan: a resource-based policy belongs to one table and its current stream, and a glob's tables are not known beforehand; print each pair's with policy --setup resource-policy --source-table ..., or use --setup role",
    );
  }
  const plan = await loadPlan(file);
  const profiles = await loadKnownProfiles(planNamesProfile(plan));
  const tasks = planPolicyTasks(plan, {
    env: process.env,
    profiles,
    bootstrap: args.bootstrap,
    createDestTable: args['create-dest-table'],
    copyTags: args['copy-tags'],
    features: args.verify ? ['verify', 'repair'] : [],
    onReject: args['on-reject'],
  });
  const set = planPolicySet({
    file,
    tasks,
    accounts: {
      source: accountFlag(args['source-account'], '--source-account'),
      destination: accountFlag(args['dest-account'], '--dest-account'),
    },
    identities: args.lookup
      ? await lookUpIdentities(
          tasks.map((t) => t.sides),
          logger,
        )
      : new Map(),
  });
  process.stdout.write(args.format === 'text' ? `${planPolicyText(set)}\n` : `${policyJson(set)}\n`);
  return EXIT_OK;
}

/** `policy --two-way`: both directions of a pair, each a task of its own, in one set of documents. */
async function twoWayPolicy(args: PolicyArgs, logger: Logger): Promise<number> {
  const refused = refusedForTwoWay({
    ...args,
    bootstrap: args.bootstrap,
    createDestTable: args['create-dest-table'],
    copyTags: args['copy-tags'],
    onReject: args['on-reject'],
  });
  if (args['copy-tags']) refused.push('copy-tags');
  if (refused.length > 0) {
    throw new ConfigError(twoWayRefusal(refused, 'policy'));
  }
  if (args.setup !== 'role') {
    throw new ConfigError(
      '--setup resource-policy does not apply to --two-way: each side writes the other, so each needs a role of the other side; use --setup role',
    );
  }
  const profiles = await loadKnownProfiles(anyProfile(args, ['source', 'destination']));
  const pair = twoWaySides(tableFlagValues(args), args['task-name'], profiles);
  const [ab, ba] = pair;
  // Side A's account (--source-account, or its table's ARN) and side B's (--dest-account), each direction's own.
  const accountOf = {
    a: parseTableArn(ab.source.tableName)?.account ?? accountFlag(args['source-account'], '--source-account'),
    b: parseTableArn(ba.source.tableName)?.account ?? accountFlag(args['dest-account'], '--dest-account'),
  };
  const tasks = pair.map((sides, i): PlanPolicyTask => {
    const other = pair[1 - i];
    const [own, theirs] = i === 0 ? [accountOf.a, accountOf.b] : [accountOf.b, accountOf.a];
    return {
      label: i === 0 ? 'A→B' : 'B→A',
      selectedBy: 'name',
      sides,
      tables: {
        source: { region: sides.source.region, table: plainTableName(sides.source.tableName) },
        destination: { region: sides.destination.region, table: plainTableName(sides.destination.tableName) },
        lease: { region: sides.lease.region, table: sides.lease.tableName },
      },
      sourceAccount: own,
      destinationAccount: theirs,
      features: ['two-way', ...(args.verify ? (['verify', 'repair'] as const) : [])],
      fanOut: [],
      deadLetterTable: undefined,
      leaseByPrefix: false,
      otherLeaseTable: other?.lease.tableName,
    };
  });
  const set = planPolicySet({
    file: `two-way pair ${ab.source.tableName} (A) and ${ba.source.tableName} (B)`,
    tasks,
    accounts: {},
    identities: args.lookup ? await lookUpIdentities(pair, logger) : new Map(),
  });
  process.stdout.write(args.format === 'text' ? `${planPolicyText(set)}\n` : `${policyJson(set)}\n`);
  return EXIT_OK;
}

function features(args: PolicyArgs): IamFeature[] {
  const asked: [boolean, IamFeature[]][] = [
    [args.bootstrap, ['bootstrap']],
    [args.verify, ['verify', 'repair']],
    [args['create-dest-table'], ['create-dest-table']],
    [args['copy-tags'], ['copy-tags']],
  ];
  return asked.flatMap(([on, names]) => (on ? names : []));
}

function accountFlag(value: string | undefined, flag: string): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^\d{12}$/.test(value)) {
    throw new ConfigError(`${flag} ${JSON.stringify(value)} is not an AWS account id: write its 12 digits`);
  }
  return value;
}

/** The source table's name and, from --source-account or the table's ARN, its account. */
function sourceTable(
  args: PolicyArgs,
  config: TaskSides,
): { readonly table: string; readonly account: string | undefined } {
  const account = accountFlag(args['source-account'], '--source-account');
  const arn = parseTableArn(config.source.tableName);
  if (arn === undefined) return { table: config.source.tableName, account };
  if (account !== undefined && account !== arn.account) {
    throw new ConfigError(
      `--source-account ${account} differs from the account of --source-table's ARN (${arn.account}): leave --source-account out or make them agree`,
    );
  }
  return { table: arn.tableName, account: arn.account };
}

function streamFlag(
  args: PolicyArgs,
  region: string,
  source: { readonly table: string; readonly account: string | undefined },
): { sourceStreamArn?: string; streamAccount?: string } {
  const arn = args['source-stream-arn'];
  if (arn === undefined || arn === '') return {};
  if (args.setup !== 'resource-policy') {
    throw new ConfigError(
      "--source-stream-arn only applies to --setup resource-policy (identity policies name all of the table's streams)",
    );
  }
  const stream = parseStreamArn(arn);
  if (stream === undefined) {
    throw new ConfigError(
      `--source-stream-arn ${JSON.stringify(arn)} is not a stream ARN: copy it from \`aws dynamodb describe-table --query Table.LatestStreamArn\``,
    );
  }
  if (stream.table !== source.table || stream.region !== region) {
    throw new ConfigError(
      `--source-stream-arn is a stream of table ${stream.table} in ${stream.region}, not of --source-table ${source.table} in ${region}`,
    );
  }
  if (source.account !== undefined && source.account !== stream.account) {
    throw new ConfigError(
      `--source-stream-arn is in account ${stream.account}, but the source table is in ${source.account}: name the same account`,
    );
  }
  return { sourceStreamArn: arn, streamAccount: stream.account };
}

/**
 * GetCallerIdentity of each distinct set of base credentials over these tasks, all at once, bounded by
 * LOOKUP_TIMEOUT_MS together.
 */
async function lookUpIdentities(
  tasks: readonly TaskSides[],
  logger: Logger,
): Promise<Map<string, CallerIdentity>> {
  const deps = { logger, sessionName: commandSessionName('policy') };
  const signal = AbortSignal.timeout(LOOKUP_TIMEOUT_MS);
  const bySet = new Map<string, { task: TaskSides; side: (typeof POLICY_SIDES)[number] }>();
  // A fan-out's further destinations as tasks of their own: their credentials are looked up as the first's.
  const each = tasks.flatMap((task) => [
    task,
    ...task.fanOut.map((more): TaskSides => ({ ...task, destination: more.destination, fanOut: [] })),
  ]);
  for (const task of each) {
    for (const side of POLICY_SIDES) {
      const key = baseKey(task[side].credentials ?? DEFAULT_CREDENTIALS);
      if (!bySet.has(key)) bySet.set(key, { task, side });
    }
  }
  const found = await Promise.all(
    [...bySet].map(
      async ([key, { task, side }]) =>
        [key, await new SideClients(task, deps).callerIdentity(side, signal)] as const,
    ),
  );
  return new Map(
    found.flatMap(([key, identity]) => (identity === undefined ? [] : [[key, identity] as const])),
  );
}

/** The set as JSON for scripts and for applying: the documents and what to know about them. */
export function policyJson(set: { readonly policies: readonly PrintedPolicy[] }): string {
  const policies = set.policies.map(({ name, kind, attachTo, document }) => ({
    name,
    kind,
    attachTo,
    document,
  }));
  return JSON.stringify({ ...set, policies }, null, 2);
}
