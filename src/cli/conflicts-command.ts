// `ddb-replicator conflicts list`: the conflict log of a two-way pair (both directions' tables, each beside its
// lease table), named by the same flags as `replicate --two-way`: one line per write that lost its condition,
// oldest first, or JSON with --json. A direction that never ran has no table yet: it shows no conflicts; when
// neither has one, the flags name no pair that ran (exit 2).
import type { Argv } from 'yargs';
import { readConflictsBeside } from '../app/conflict-reader.js';
import { twoWayTableNames } from '../app/twoway-setup.js';
import { where } from '../app/startup-checks.js';
import { ConfigError } from '../errors/replicator-error.js';
import { createLogger } from '../observability/logger.js';
import { conflictLine, type Conflict } from '../twoway/conflict-log.js';
import { EXIT_OK } from './exit-codes.js';
import { replicateFlags, type ReplicateArgs } from './replicate-flags.js';
import { exitCodeFor, reportFailure } from './report-failure.js';
import { commandSessionName } from './session-name.js';
import { twoWayFromArgs } from './two-way-run.js';

export const CONFLICT_ACTIONS = ['list'] as const;

export function conflictsFlags<T>(yargs: Argv<T>) {
  return replicateFlags(yargs)
    .positional('action', { choices: CONFLICT_ACTIONS, demandOption: true, describe: 'list: show them' })
    .option('json', { type: 'boolean', default: false, describe: 'list: print JSON for scripts' });
}

type ConflictsArgs = ReplicateArgs & { readonly action: string; readonly json: boolean };

export async function runConflicts(args: ConflictsArgs): Promise<number> {
  const logger = createLogger({ level: args['log-level'] === 'info' ? 'warn' : args['log-level'] });
  try {
    const directions = await twoWayFromArgs({ ...args, 'two-way': true });
    const all: Conflict[] = [];
    const missing: string[] = [];
    for (const { config } of directions) {
      const read = await readConflictsBeside(config.lease, logger, commandSessionName('conflicts'));
      if (read === undefined) {
        missing.push(`${twoWayTableNames(config.lease.tableName).conflicts} in ${where(config.lease)}`);
      } else {
        all.push(...read);
      }
    }
    // Neither log: a pair that never ran here, or (far more often) a task name or table flag that names another
    // pair. "0 conflicts" would read as a clean bill of health.
    if (missing.length === directions.length) {
      throw new ConfigError(
        `no conflict log ${missing.join(' nor ')}: check --task-name and the table flags (has replicate --two-way run yet?)`,
      );
    }
    all.sort((x, y) => x.at - y.at);
    if (args.json) {
      process.stdout.write(`${JSON.stringify(all, null, 2)}\n`);
      return EXIT_OK;
    }
    for (const conflict of all) process.stdout.write(`${conflictLine(conflict)}\n`);
    process.stdout.write(`${all.length} conflict${all.length === 1 ? '' : 's'}\n`);
    return EXIT_OK;
  } catch (err) {
    reportFailure(err, logger);
    return exitCodeFor(err);
  }
}
