// `--plan FILE`, shared by the commands that run a replication plan, and the rule that a plan and the flags
// naming one table pair do not mix: with both, which tables are meant is a guess, so it is refused (exit 2).
import type { Argv } from 'yargs';
import { ConfigError } from '../errors/replicator-error.js';

export function planFlag<T>(yargs: Argv<T>) {
  return yargs.option('plan', {
    type: 'string',
    describe:
      'A replication plan (YAML or JSON): every table pair it names, instead of the table flags (README, "Replication plans")',
  });
}

/** The flags of tableFlags (cli/table-flags.ts): the two tables and each side's credentials. */
export const TABLE_PAIR_FLAGS = [
  'source-table',
  'source-region',
  'source-endpoint',
  'source-profile',
  'source-role-arn',
  'source-external-id',
  'dest-table',
  'dest-region',
  'dest-endpoint',
  'dest-profile',
  'dest-role-arn',
  'dest-external-id',
] as const;

/** Throws when a plan is given together with any of these flags (kebab-case names, as the parser keeps them). */
export function refuseWithPlan(args: Readonly<Record<string, unknown>>, flags: readonly string[]): void {
  if (args.plan === undefined) return;
  const given = flags.filter((flag) => args[flag] !== undefined).map((flag) => `--${flag}`);
  if (given.length === 0) return;
  throw new ConfigError(
    `--plan names the table pairs: leave out ${given.join(', ')} (or write ${given.length === 1 ? 'it' : 'them'} into the plan)`,
  );
}
