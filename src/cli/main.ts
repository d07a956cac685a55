// The command line: parses argv with yargs, dispatches to a command, and maps the outcome to an exit code.
// Flag mistakes end in one line naming the flag and pointing at --help, never a page of usage text.
import yargs from 'yargs';
import { EXIT_CONFIG } from './exit-codes.js';
import { demoFlags, runDemo } from './demo-command.js';
import { runReplicate } from './replicate-command.js';
import { replicateFlags } from './replicate-flags.js';
import { runStatus, statusFlags } from './status-command.js';
import { bootstrapFlags, runBootstrapCommand } from './bootstrap-command.js';
import { runVerify, verifyFlags } from './verify-command.js';
import { policyFlags, runPolicy } from './policy-command.js';
import { deadLettersFlags, runDeadLetters } from './dead-letters-command.js';

class UsageError extends Error {}

export async function main(argv: readonly string[]): Promise<number> {
  let exitCode = 0;
  const parser = yargs([...argv])
    .scriptName('ddb-replicator')
    .usage("$0 <command> [options]\n\nKeeps DynamoDB tables in sync by consuming the source table's stream.")
    .command(
      'replicate',
      'Replicate a source table into a destination table, continuously, from its DynamoDB Stream',
      (y) => replicateFlags(y),
      async (args) => {
        exitCode = await runReplicate(args);
      },
    )
    .command(
      'status',
      "Show a task's fleet as the lease table sees it: per shard its state, owner and checkpoint; per worker its leases",
      (y) => statusFlags(y),
      async (args) => {
        exitCode = await runStatus(args);
      },
    )
    .command(
      'verify',
      'Compare the source and destination tables item by item (re-checking changes in flight); --repair fixes the differences',
      (y) => verifyFlags(y),
      async (args) => {
        exitCode = await runVerify(args);
      },
    )
    .command(
      'bootstrap',
      "Copy a live table's items into the destination, resumably, so that replication can start from stream positions recorded before the copy",
      (y) => bootstrapFlags(y),
      async (args) => {
        exitCode = await runBootstrapCommand(args);
      },
    )
    .command(
      'policy',
      'Print the least-privilege IAM policies (identity, role trust and, with --setup resource-policy, resource-based) for the same flags as replicate',
      (y) => policyFlags(y),
      async (args) => {
        exitCode = await runPolicy(args);
      },
    )
    .command(
      'dead-letters <action>',
      'The dead letters of a task run with --on-reject dead-letter: list them, replay them to the destination in order once the cause is fixed, or purge them (same flags as replicate)',
      (y) => deadLettersFlags(y),
      async (args) => {
        exitCode = await runDeadLetters(args);
      },
    )
    .command(
      'demo',
      'Replicate a table between two local DynamoDB instances under a live workload, then verify it (needs Java 17+)',
      (y) => demoFlags(y),
      async (args) => {
        exitCode = await runDemo(args);
      },
    )
    .demandCommand(1, 'name a command: replicate, status, verify, bootstrap, policy, dead-letters, demo')
    .strict()
    .help()
    .alias('help', 'h')
    .version()
    .wrap(Math.min(120, process.stdout.columns || 120))
    .fail((message, err) => {
      // Throwing stops yargs before any command handler runs.
      throw err ?? new UsageError(message);
    });
  try {
    await parser.parseAsync();
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    const command = argv[0] !== undefined && !argv[0].startsWith('-') ? ` ${argv[0]}` : '';
    process.stderr.write(
      `ddb-replicator: ${err.message.replace(/\s*\n\s*/g, ' ')} (see 'ddb-replicator${command} --help')\n`,
    );
    return EXIT_CONFIG;
  }
  return exitCode;
}
