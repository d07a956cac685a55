// Resolves a plan into tasks: lists the tables of every source side a glob selects from (ListTables, paginated,
// each side once, with that side's credentials through SideClients), then builds the tasks (plan-tasks.ts) and
// logs every choice. Safe to call again while running: a table created since the last call and matched by a
// glob comes back as a new task.
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import type { Logger } from 'pino';
import { STARTUP } from '../app/aws-clients.js';
import { SideClients } from '../app/side-clients.js';
import { describeFailure } from '../app/startup-checks.js';
import { ConfigError, StoppedError } from '../errors/replicator-error.js';
import { retrying } from '../util/retry.js';
import { entryLabel, planError } from './plan-error.js';
import { inPlanWords } from './plan-fields.js';
import type { Plan } from './plan-schema.js';
import {
  planSourceSides,
  planTasks,
  sourceSideKey,
  type PlanEnvironment,
  type PlanResolution,
  type SourceSide,
} from './plan-tasks.js';

export interface ResolvePlanDeps extends PlanEnvironment {
  readonly logger: Logger;
  /** STS role sessions of the listing are named so (see commandSessionName). */
  readonly sessionName: string;
}

/** How long the listing waits out throttling and server errors before it reports them. */
const LIST_RETRY_MS = 30_000;

export async function resolvePlan(
  plan: Plan,
  deps: ResolvePlanDeps,
  signal?: AbortSignal,
): Promise<PlanResolution> {
  const listings = new Map<string, readonly string[]>();
  for (const side of planSourceSides(plan, deps)) {
    listings.set(side.key, await listTables(plan, side, deps, signal));
  }
  const resolution = planTasks(plan, (location) => listings.get(sourceSideKey(location)), deps);
  for (const choice of resolution.choices) deps.logger[choice.level](choice.fields, choice.msg);
  return resolution;
}

/** Every table name of one source side (ListTables pages of 100). */
async function listTables(
  plan: Plan,
  side: SourceSide,
  deps: ResolvePlanDeps,
  signal: AbortSignal | undefined,
): Promise<string[]> {
  const globs = side.entries.map((index) => plan.replications[index]?.source.table ?? '?');
  const clients = new SideClients({ source: side.location }, deps);
  const client = clients.dynamo('source', STARTUP);
  const names: string[] = [];
  try {
    await clients.checkCredentials(['source']);
    let start: string | undefined;
    do {
      const out = await retrying(
        () => client.send(new ListTablesCommand({ ExclusiveStartTableName: start }), { abortSignal: signal }),
        { signal, deadlineMs: LIST_RETRY_MS, reasons: ['throttled', 'server'] },
      );
      names.push(...(out.TableNames ?? []));
      start = out.LastEvaluatedTableName;
    } while (start !== undefined);
    return names;
  } catch (err) {
    if (err instanceof StoppedError) throw err;
    const failure =
      err instanceof ConfigError
        ? err
        : describeFailure(
            err,
            'source',
            { ...side.location, tableName: `tables (${globs.join(', ')})` },
            'dynamodb:ListTables',
          );
    const where = side.entries.map((index) => entryLabel(index, plan.replications[index]?.source.table));
    throw planError(plan.file, [{ where: where.join(', '), what: inPlanWords(failure.message) }]);
  } finally {
    client.destroy();
  }
}
