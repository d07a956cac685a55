// Which resolved tasks can run, by their source table's stream (DescribeTable): a table a glob selected that
// has no stream with new images is skipped with one warning line saying what to do (it may get one later, and
// the next resolution picks it up); an entry with `enableStream: true` gets its missing stream turned on (only
// with `enable`: `verify` and `status` change nothing). A table named in the plan is kept as it is: `replicate`'s
// startup checks refuse it by name, exactly as for a plain run.
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Logger } from 'pino';
import { STARTUP } from '../app/aws-clients.js';
import { SideClients } from '../app/side-clients.js';
import { describeFailure } from '../app/startup-checks.js';
import { buildTaskSides, type TableLocation } from '../config/replication-config.js';
import { ConfigError, StoppedError } from '../errors/replicator-error.js';
import { retrying } from '../util/retry.js';
import { enableStream } from './enable-stream.js';
import { entryLabel, planError } from './plan-error.js';
import { inPlanWords } from './plan-fields.js';
import type { Plan } from './plan-schema.js';
import type { PlanTask } from './plan-task.js';
import type { PlanEnvironment } from './plan-tasks.js';
import { sourceSideKey } from './plan-tasks.js';
import { skippedTableWarning, streamReadiness } from './stream-readiness.js';

export interface CheckStreamsDeps extends PlanEnvironment {
  readonly logger: Logger;
  readonly sessionName: string;
  /** Turn on the missing streams of entries with `enableStream: true` (replicate); false: only look. */
  readonly enable: boolean;
}

export interface SkippedTask {
  readonly task: PlanTask;
  /** The warning line that was logged. */
  readonly reason: string;
}

export interface StreamCheck {
  readonly ready: readonly PlanTask[];
  readonly skipped: readonly SkippedTask[];
}

const RETRY_MS = 30_000;

export async function checkStreams(
  plan: Plan,
  tasks: readonly PlanTask[],
  deps: CheckStreamsDeps,
  signal?: AbortSignal,
): Promise<StreamCheck> {
  const env = deps.env ?? process.env;
  const clients = new Map<string, DynamoDBClient>();
  const ready: PlanTask[] = [];
  const skipped: SkippedTask[] = [];
  try {
    for (const task of tasks) {
      if (task.selectedBy === 'name' && !task.enableStream) {
        ready.push(task);
        continue;
      }
      const label = taskLabel(plan, task);
      const { source } = buildTaskSides(task.flags, env, deps.profiles);
      const key = sourceSideKey(source);
      let client = clients.get(key);
      if (client === undefined) {
        client = new SideClients({ source }, deps).dynamo('source', STARTUP);
        clients.set(key, client);
      }
      const description = await describeSource(plan, label, client, source, signal);
      if (description === undefined && task.selectedBy === 'glob') {
        // Listed a moment ago, deleted since: the next resolution will not list it.
        deps.logger.info({ table: source.tableName }, `${label}: source table is gone, skipped`);
        skipped.push({ task, reason: `${label}: source table ${source.tableName} is gone` });
        continue;
      }
      const readiness = description === undefined ? undefined : streamReadiness(description);
      if (readiness?.kind === 'no-stream' && task.enableStream && deps.enable) {
        try {
          await enableStream({ client, table: source, label, logger: deps.logger }, signal);
        } catch (err) {
          if (err instanceof ConfigError) {
            throw planError(plan.file, [{ where: '', what: inPlanWords(err.message) }]);
          }
          throw err;
        }
      }
      // Without `enable` a stream enableStream will turn on counts as there; a named table is left to the
      // startup checks of replicate, which refuse it by name as for a plain run.
      if (
        readiness === undefined ||
        readiness.kind === 'ready' ||
        (readiness.kind === 'no-stream' && task.enableStream) ||
        task.selectedBy === 'name'
      ) {
        ready.push(task);
        continue;
      }
      const reason = skippedTableWarning(label, source, readiness);
      deps.logger.warn({ table: source.tableName }, reason);
      skipped.push({ task, reason });
    }
    return { ready, skipped };
  } finally {
    for (const client of clients.values()) client.destroy();
  }
}

/** The entry a task comes from, with the table its glob selected. */
export function taskLabel(plan: Plan, task: PlanTask): string {
  const table = plan.replications[task.entry]?.source.table;
  return entryLabel(task.entry, table, task.selectedBy === 'glob' ? task.flags.sourceTable : undefined);
}

/** Undefined when the table does not exist (any more). */
async function describeSource(
  plan: Plan,
  label: string,
  client: DynamoDBClient,
  source: TableLocation,
  signal: AbortSignal | undefined,
) {
  try {
    const out = await retrying(
      () => client.send(new DescribeTableCommand({ TableName: source.tableName }), { abortSignal: signal }),
      { signal, deadlineMs: RETRY_MS, reasons: ['throttled', 'server'] },
    );
    return out.Table;
  } catch (err) {
    if (err instanceof StoppedError) throw err;
    if ((err as { name?: string }).name === 'ResourceNotFoundException') return undefined;
    const failure = describeFailure(err, 'source', source, 'dynamodb:DescribeTable');
    throw planError(plan.file, [{ where: label, what: inPlanWords(failure.message) }]);
  }
}
