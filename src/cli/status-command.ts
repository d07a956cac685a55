// `ddb-replicator status`: reads the task's lease table and prints the fleet (per shard its state, owner, lag,
// checkpoint and parents; per worker its lease count; a bootstrap copy's progress), as a table or, with --json,
// for scripts. With --plan, one line per task of the plan (a task without a lease table yet is "not started")
// and the workers of all. A task run with --on-reject dead-letter (given here too, or in the plan) also shows
// how many dead letters wait.
import type { Argv } from 'yargs';
import { readFleet, readTaskStatus, taskFleetJson } from '../app/fleet-reader.js';
import { formatFleetStatus } from '../app/fleet-status.js';
import { where } from '../app/startup-checks.js';
import { credentialSource, leaseCredentialSource } from '../config/credential-source.js';
import { checkEndpoint, checkRange } from '../config/flag-checks.js';
import { fleetProblems, type CheckOptions } from '../app/fleet-check.js';
import { buildTaskSides } from '../config/replication-config.js';
import { parseTableArn, plainTableName } from '../config/table-arn.js';
import { defaultTaskName, leaseTableName } from '../config/task-name.js';
import { buildDeadLetterOptions } from '../deadletter/dead-letter-options.js';
import { ConfigError } from '../errors/replicator-error.js';
import { createLogger, type Logger } from '../observability/logger.js';
import { checkStreams, taskLabel } from '../plan/check-streams.js';
import { loadPlan } from '../plan/load-plan.js';
import { formatPlanStatus, planStatusJson, type TaskStatus } from '../plan/plan-status-report.js';
import { planNamesProfile } from '../plan/plan-tasks.js';
import { resolvePlan } from '../plan/resolve-plan.js';
import { EXIT_CONFIG, EXIT_FAILED, EXIT_OK } from './exit-codes.js';
import { planFlag, refuseWithPlan } from './plan-flag.js';
import { anyProfile, credentialArgs, credentialFlags, loadKnownProfiles } from './credential-flags.js';
import { exitCodeFor, reportFailure } from './report-failure.js';
import { commandSessionName } from './session-name.js';
import { statusOfTwoWay } from './two-way-status.js';

export function statusFlags<T>(yargs: Argv<T>) {
  // The source's credential flags too: the lease table is reached with them unless --lease-* ones are given; and
  // the profiles of both tables, whose regions the default task name is derived from, as for replicate.
  return planFlag(credentialFlags(yargs, ['source', 'destination', 'lease']))
    .option('task-name', {
      type: 'string',
      alias: ['taskName'],
      describe:
        'The task to show [default: derived from --source-table/--source-region/--dest-table/--dest-region]',
    })
    .option('source-table', {
      type: 'string',
      alias: ['sourceTable'],
      describe: 'To derive the default task name',
    })
    .option('source-region', {
      type: 'string',
      alias: ['sourceRegion'],
      describe: 'To derive the default task name',
    })
    .option('dest-table', {
      type: 'string',
      alias: ['destinationTable'],
      describe: 'To derive the default task name',
    })
    .option('dest-region', {
      type: 'string',
      alias: ['destinationRegion'],
      describe: 'To derive the default task name',
    })
    .option('lease-region', {
      type: 'string',
      alias: ['kclRegion'],
      describe: 'Region of the lease table [default: --source-region, then AWS_REGION]',
    })
    .option('lease-endpoint', {
      type: 'string',
      alias: ['kclEndpoint'],
      describe: 'Endpoint of the lease table',
    })
    .option('on-reject', {
      type: 'string',
      choices: ['stop', 'dead-letter'],
      describe: "As given to replicate: with dead-letter, the count of the task's waiting dead letters too",
    })
    .option('dead-letter-table', {
      type: 'string',
      describe: 'As given to replicate [default: <lease table>-dead-letters]',
    })
    .option('two-way', {
      type: 'boolean',
      default: false,
      describe:
        'Both directions of a replicate --two-way pair (named by the same table and credential flags)',
    })
    .option('source-endpoint', { type: 'string', describe: "With --two-way: side A's endpoint" })
    .option('dest-endpoint', { type: 'string', describe: "With --two-way: side B's endpoint" })
    .option('json', { type: 'boolean', default: false, describe: 'Print JSON for scripts' })
    .option('check', {
      type: 'boolean',
      default: false,
      describe:
        'Exit 1 with the reasons when a shard is unread past the failover time, a task failed, no worker runs, or (with --max-lag-ms) a shard is too far behind',
    })
    .option('max-lag-ms', {
      type: 'number',
      describe: 'With --check: the most a shard may be behind the newest record',
    });
}

export type StatusArgs = Awaited<ReturnType<typeof statusFlags>['argv']>;

/** The flags that name one task: with --plan, the plan names the tasks. */
const TASK_FLAGS = [
  'task-name',
  'source-table',
  'source-region',
  'dest-table',
  'dest-region',
  'lease-region',
  'lease-endpoint',
  'on-reject',
  'dead-letter-table',
  ...(['source', 'dest', 'lease'] as const).flatMap((side) =>
    ['profile', 'role-arn', 'external-id'].map((name) => `${side}-${name}`),
  ),
];

export async function runStatus(args: StatusArgs): Promise<number> {
  const logger = createLogger({ level: 'warn' });
  try {
    const check = checkOptions(args);
    if (args.plan !== undefined) {
      refuseWithPlan(args, TASK_FLAGS);
      return await statusOfPlan(args.plan, { json: args.json, check }, logger);
    }
    if (args['two-way']) return await statusOfTwoWay(args, logger);
    const profiles = await loadKnownProfiles(anyProfile(args, ['source', 'destination', 'lease']));
    const sourceCredentials = credentialSource(credentialArgs(args, 'source'), 'source', profiles);
    const credentials = leaseCredentialSource(credentialArgs(args, 'lease'), sourceCredentials, profiles);
    const profileRegion = (profile: string | undefined): string | undefined =>
      profile === undefined ? undefined : profiles?.region(profile);
    const sourceRegion =
      args['source-region'] ??
      parseTableArn(args['source-table'] ?? '')?.region ??
      profileRegion(sourceCredentials.profile) ??
      process.env.AWS_REGION ??
      process.env.AWS_DEFAULT_REGION;
    const region = args['lease-region'] ?? sourceRegion;
    if (region === undefined || region === '') {
      throw new ConfigError('missing --lease-region: name the region of the lease table (or set AWS_REGION)');
    }
    const destRegion =
      args['dest-region'] ?? profileRegion(credentialArgs(args, 'destination').profile) ?? sourceRegion;
    const taskName = args['task-name'] ?? derivedTaskName(args, sourceRegion, destRegion);
    const location = {
      region,
      endpoint: checkEndpoint(args['lease-endpoint'], '--lease-endpoint'),
      tableName: leaseTableName(taskName),
      credentials,
    };
    const deadLetters = buildDeadLetterOptions(
      { onReject: args['on-reject'], deadLetterTable: args['dead-letter-table'] },
      location.tableName,
    );
    const status = await readFleet(location, logger, commandSessionName('status'), deadLetters?.tableName);
    if (status === undefined) {
      throw new ConfigError(
        `no lease table ${location.tableName} in ${where(location)}: check --task-name and --lease-region (has a worker of this task run yet?)`,
      );
    }
    const problems = check === undefined ? undefined : fleetProblems(status, check);
    if (args.json) {
      const verdict = problems === undefined ? {} : { ok: problems.length === 0, problems };
      process.stdout.write(
        `${JSON.stringify(taskFleetJson(taskName, location.tableName, status, verdict), null, 2)}\n`,
      );
    } else if (problems !== undefined) {
      process.stdout.write(`${checkText([{ label: `task ${taskName}`, problems }])}\n`);
    } else {
      const header = `task ${taskName}: lease table ${location.tableName} in ${where(location)}`;
      process.stdout.write(`${formatFleetStatus(status, header)}\n`);
    }
    return problems !== undefined && problems.length > 0 ? EXIT_FAILED : EXIT_OK;
  } catch (err) {
    reportFailure(err, logger);
    return exitCodeFor(err);
  }
}

/**
 * `status --plan`: every task the plan resolves to, from its own lease table. A lease table that cannot be read
 * is that task's error line (exit 2), the others are shown all the same.
 */
async function statusOfPlan(
  file: string,
  { json, check }: { readonly json: boolean; readonly check: CheckOptions | undefined },
  logger: Logger,
): Promise<number> {
  const plan = await loadPlan(file);
  const profiles = await loadKnownProfiles(planNamesProfile(plan));
  const deps = { logger, sessionName: commandSessionName('status'), profiles };
  const { tasks } = await resolvePlan(plan, deps);
  const { ready } = await checkStreams(plan, tasks, { ...deps, enable: false });
  const statuses: TaskStatus[] = [];
  for (const task of ready) {
    const sides = buildTaskSides(task.flags, process.env, profiles);
    const common = {
      label: taskLabel(plan, task),
      taskName: sides.taskName,
      source: sides.source,
      destination: sides.destination,
      fanOut: sides.fanOut.map((target) => target.destination),
      leaseTable: sides.lease,
    };
    statuses.push(
      await readTaskStatus(
        common,
        () =>
          readFleet(
            sides.lease,
            logger,
            commandSessionName('status'),
            buildDeadLetterOptions(task.flags, sides.lease.tableName)?.tableName,
          ),
        logger,
      ),
    );
  }
  const unreadable = statuses.some((s) => s.error !== undefined);
  if (check === undefined) {
    process.stdout.write(
      json ? `${JSON.stringify(planStatusJson(statuses), null, 2)}\n` : `${formatPlanStatus(statuses)}\n`,
    );
    return unreadable ? EXIT_CONFIG : EXIT_OK;
  }
  const checked = statuses.map((s) => ({
    label: s.label,
    problems: s.error === undefined ? fleetProblems(s.fleet, check) : [s.error],
  }));
  const ok = checked.every((c) => c.problems.length === 0);
  process.stdout.write(
    json
      ? `${JSON.stringify({ ok, problems: checked.filter((c) => c.problems.length > 0), ...planStatusJson(statuses) }, null, 2)}\n`
      : `${checkText(checked)}\n`,
  );
  return unreadable ? EXIT_CONFIG : ok ? EXIT_OK : EXIT_FAILED;
}

/** `--check`'s options, or undefined without it; --max-lag-ms alone is a mistake, not a silent no-op. */
function checkOptions(args: StatusArgs): CheckOptions | undefined {
  const maxLagMs = args['max-lag-ms'];
  if (maxLagMs !== undefined) {
    if (!args.check) throw new ConfigError('--max-lag-ms works with --check: add --check');
    checkRange(maxLagMs, 0, 86_400_000, '--max-lag-ms');
  }
  return args.check ? { maxLagMs } : undefined;
}

/** One line per problem, under the task it belongs to; or one line saying all is well. */
function checkText(
  tasks: readonly { readonly label: string; readonly problems: readonly string[] }[],
): string {
  const bad = tasks.filter((t) => t.problems.length > 0);
  if (bad.length === 0) {
    return `ok: ${tasks.length === 1 ? (tasks[0]?.label ?? '') : `${tasks.length} tasks`} healthy`;
  }
  return bad.flatMap((t) => t.problems.map((p) => `${t.label}: ${p}`)).join('\n');
}

function derivedTaskName(
  args: StatusArgs,
  sourceRegion: string | undefined,
  destRegion: string | undefined,
): string {
  const sourceTable = args['source-table'] === undefined ? undefined : plainTableName(args['source-table']);
  const destTable = args['dest-table'];
  if (
    sourceTable === undefined ||
    destTable === undefined ||
    sourceRegion === undefined ||
    destRegion === undefined
  ) {
    throw new ConfigError(
      'name the task: --task-name, or --source-table, --source-region, --dest-table and --dest-region as given to replicate',
    );
  }
  return defaultTaskName(sourceRegion, sourceTable, destRegion, destTable);
}
