// The command line: parses argv with yargs, dispatches to a command, and maps the outcome to an exit code.
// Flag mistakes end in one line naming the flag and pointing at --help, never a page of usage text.
import yargs, { type Argv } from 'yargs';
import { EXIT_CONFIG } from './exit-codes.js';
import { demoFlags, runDemo } from './demo-command.js';
import { runReplicate } from './replicate-command.js';
import { replicateFlags } from './replicate-flags.js';
import { runStatus, statusFlags } from './status-command.js';
import { bootstrapFlags, runBootstrapCommand } from './bootstrap-command.js';
import { runVerify, verifyFlags } from './verify-command.js';
import { policyFlags, runPolicy } from './policy-command.js';
import { DEAD_LETTER_ACTIONS, deadLettersFlags, runDeadLetters } from './dead-letters-command.js';
import { CONFLICT_ACTIONS, conflictsFlags, runConflicts } from './conflicts-command.js';
import { envFlags, envOrigin, flagNames, unknownVariables, withEnvFlags } from './env-flags.js';

class UsageError extends Error {}

const COMMANDS = [
  'replicate',
  'status',
  'verify',
  'bootstrap',
  'policy',
  'dead-letters',
  'conflicts',
  'demo',
];

/** The commands that take an action word, and their actions. */
const ACTIONS: Readonly<Record<string, readonly string[]>> = {
  'dead-letters': DEAD_LETTER_ACTIONS,
  conflicts: CONFLICT_ACTIONS,
};

const ENV_HELP =
  'Every flag may also be set in the environment as DDB_REPLICATOR_<FLAG> (upper snake case: DDB_REPLICATOR_DEST_TABLE for --dest-table); a flag on the command line wins.';

/** Every command's flag builder, for the names a DDB_REPLICATOR_ variable may take. */
const BUILDERS = [
  replicateFlags,
  statusFlags,
  verifyFlags,
  bootstrapFlags,
  policyFlags,
  deadLettersFlags,
  conflictsFlags,
  demoFlags,
] as const;

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let exitCode = 0;
  // Flags from the environment (env-flags.ts): each command takes those of its own flags, below the command line.
  const fromEnv = envFlags(env);
  if (fromEnv.size > 0) {
    const known = new Set<string>();
    for (const build of BUILDERS) for (const name of flagNames(build(yargs([])))) known.add(name);
    const unknown = unknownVariables(fromEnv, known);
    if (unknown.length > 0) {
      process.stderr.write(
        `ddb-replicator: ${unknown.join(', ')} in the environment ${unknown.length === 1 ? 'names' : 'name'} no flag of any command: a variable is DDB_REPLICATOR_ and a flag's name in upper snake case (DDB_REPLICATOR_DEST_TABLE for --dest-table); fix or unset it\n`,
      );
      return EXIT_CONFIG;
    }
  }
  const env$ = <T>(y: Argv<T>): Argv<T> => withEnvFlags(y, fromEnv).epilogue(ENV_HELP);
  const parser = yargs([...argv])
    .scriptName('ddb-replicator')
    .usage("$0 <command> [options]\n\nKeeps DynamoDB tables in sync by consuming the source table's stream.")
    .command(
      'replicate',
      'Replicate a source table into a destination table, continuously, from its DynamoDB Stream',
      (y) => env$(replicateFlags(y)),
      async (args) => {
        exitCode = await runReplicate(args);
      },
    )
    .command(
      'status',
      "Show a task's fleet as the lease table sees it: per shard its state, owner and checkpoint; per worker its leases",
      (y) => env$(statusFlags(y)),
      async (args) => {
        exitCode = await runStatus(args);
      },
    )
    .command(
      'verify',
      'Compare the source and destination tables item by item (re-checking changes in flight); --repair fixes the differences',
      (y) => env$(verifyFlags(y)),
      async (args) => {
        exitCode = await runVerify(args);
      },
    )
    .command(
      'bootstrap',
      "Copy a live table's items into the destination, resumably, so that replication can start from stream positions recorded before the copy",
      (y) => env$(bootstrapFlags(y)),
      async (args) => {
        exitCode = await runBootstrapCommand(args);
      },
    )
    .command(
      'policy',
      'Print the least-privilege IAM policies (identity, role trust and, with --setup resource-policy, resource-based) for the same flags as replicate',
      (y) => env$(policyFlags(y)),
      async (args) => {
        exitCode = await runPolicy(args);
      },
    )
    .command(
      'dead-letters <action>',
      'The dead letters of a task run with --on-reject dead-letter: list them, replay them to the destination in order once the cause is fixed, or purge them (same flags as replicate)',
      (y) => env$(deadLettersFlags(y)),
      async (args) => {
        exitCode = await runDeadLetters(args);
      },
    )
    .command(
      'conflicts <action>',
      'The conflict log of a two-way pair (replicate --two-way): every write that lost to a higher version, oldest first (same flags as replicate)',
      (y) => env$(conflictsFlags(y)),
      async (args) => {
        exitCode = await runConflicts(args);
      },
    )
    .command(
      'demo',
      'Replicate a table between two local DynamoDB instances under a live workload, then verify it (needs Java 17+)',
      // The demo keeps its own epilogue (Java, exit codes); its flags take the environment too.
      (y) => withEnvFlags(demoFlags(y), fromEnv),
      async (args) => {
        exitCode = await runDemo(args);
      },
    )
    .demandCommand(1, `name a command: ${COMMANDS.join(', ')}`)
    .strict()
    .help()
    .alias('help', 'h')
    .version()
    .wrap(Math.min(120, process.stdout.columns || 120))
    .fail((message, err) => {
      // Throwing stops yargs before any command handler runs.
      throw err ?? new UsageError(message);
    });
  if (!argv.some((arg) => arg === '--help' || arg === '-h')) skipHelpCache(parser);
  try {
    await parser.parseAsync();
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    const first = argv[0] !== undefined && !argv[0].startsWith('-') ? argv[0] : undefined;
    if (first !== undefined && !COMMANDS.includes(first)) {
      // yargs calls it an unknown argument and the hint would point at the help of a command that does not exist.
      process.stderr.write(
        `ddb-replicator: unknown command ${first}: name one of ${COMMANDS.join(', ')} (see 'ddb-replicator --help')\n`,
      );
      return EXIT_CONFIG;
    }
    const command = first !== undefined ? ` ${first}` : '';
    const actions = first === undefined ? undefined : ACTIONS[first];
    if (actions !== undefined && /^Not enough non-option arguments/.test(err.message)) {
      // yargs counts positionals; the user left out the action word.
      process.stderr.write(
        `ddb-replicator: ${first} needs an action first: ${actions.map((a) => `ddb-replicator ${first} ${a}`).join(', ')} (see 'ddb-replicator${command} --help')\n`,
      );
      return EXIT_CONFIG;
    }
    // A value from the environment is named by its variable: the command line does not show it.
    // yargs names an argument without its dashes ("Argument: start-position").
    const named = err.message.replace(/\b(?<!-)([a-z0-9]+(?:-[a-z0-9]+)*)\b/g, '--$1');
    const variables = envOrigin(named, env, argv);
    const origin = variables.length === 0 ? '' : `; set by ${variables.join(', ')} in the environment`;
    process.stderr.write(
      `ddb-replicator: ${err.message.replace(/\s*\n\s*/g, ' ')}${origin} (see 'ddb-replicator${command} --help')\n`,
    );
    return EXIT_CONFIG;
  }
  return exitCode;
}

/**
 * Before it runs a command, yargs renders the command's whole help page and keeps it, for a showHelp() called from
 * inside the command: ~55 ms of CPU at every start (a profile of `policy`: 54-58 ms of 460), paid by every fleet
 * worker and test process. This CLI never shows help from a command (its failures are one line), and --help prints
 * through another path, so the caching is turned off unless --help was asked for (the Angular CLI does the same).
 * The hook is yargs' internal usage instance, absent from its typings: if a later yargs lacks it, nothing changes.
 */
function skipHelpCache(parser: Argv): void {
  const internals = (
    parser as unknown as {
      getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } };
    }
  ).getInternalMethods?.();
  const usage = internals?.getUsageInstance?.();
  if (usage?.cacheHelpMessage !== undefined) usage.cacheHelpMessage = () => undefined;
}
