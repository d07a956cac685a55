// `ddb-replicator dead-letters list|replay|purge`: the task's dead letters (`--on-reject dead-letter`), named by
// the same flags as `replicate`. `list` prints one line per dead letter; `replay` writes them to the destination
// in order per key, through the same rules, removing each once written (exit 0 when all went through, 1 with the
// lines of those still refused); `purge` removes them all. One task at a time: --plan is refused.
import type { Argv } from 'yargs';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DATA_PATH, STARTUP } from '../app/aws-clients.js';
import { SideClients } from '../app/side-clients.js';
import { describeTable, keySchemaOf, where } from '../app/startup-checks.js';
import type { ReplicationConfig } from '../config/replication-config.js';
import { DeadLetterStore } from '../deadletter/dead-letter-store.js';
import { replayDeadLetters } from '../deadletter/dead-letter-replay.js';
import { deadLetterJson, deadLetterLine } from '../deadletter/dead-letter-lines.js';
import { ConfigError } from '../errors/replicator-error.js';
import { EventBus } from '../observability/events.js';
import { createLogger, type Logger } from '../observability/logger.js';
import { destinationRules, loadRuleTransform } from '../rules/destination-rules.js';
import type { DestinationRules } from '../rules/destination-writes.js';
import { Semaphore } from '../util/semaphore.js';
import { TableWriter } from '../writer/table-writer.js';
import { EXIT_FAILED, EXIT_OK } from './exit-codes.js';
import { configFromArgs } from './replicate-command.js';
import { replicateFlags, type ReplicateArgs } from './replicate-flags.js';
import { exitCodeFor, reportFailure } from './report-failure.js';
import { commandSessionName } from './session-name.js';

export const DEAD_LETTER_ACTIONS = ['list', 'replay', 'purge'] as const;

export function deadLettersFlags<T>(yargs: Argv<T>) {
  return replicateFlags(yargs)
    .positional('action', {
      choices: DEAD_LETTER_ACTIONS,
      demandOption: true,
      describe: 'list: show them; replay: write them to the destination in order; purge: remove them',
    })
    .option('json', { type: 'boolean', default: false, describe: 'list: print JSON for scripts' });
}

type DeadLettersArgs = ReplicateArgs & { readonly action: string; readonly json: boolean };

export async function runDeadLetters(args: DeadLettersArgs): Promise<number> {
  const logger = createLogger({ level: args['log-level'] === 'info' ? 'warn' : args['log-level'] });
  try {
    if (args.plan !== undefined) {
      throw new ConfigError(
        'dead-letters works on one task: name it with the table flags (or --task-name) instead of --plan',
      );
    }
    // The same flags as replicate name the same task; the table is the dead-letter one whatever --on-reject says.
    const config = await configFromArgs({ ...args, 'on-reject': 'dead-letter' });
    const tableName = config.deadLetters?.tableName;
    if (tableName === undefined) throw new Error('no dead-letter table for --on-reject dead-letter');
    const clients = new SideClients(config, { logger, sessionName: commandSessionName('dead-letters') });
    const leaseClient = clients.dynamo('lease', STARTUP);
    try {
      const store = new DeadLetterStore(leaseClient, tableName);
      if (!(await store.exists())) {
        process.stdout.write(
          args.json
            ? '[]\n'
            : `no dead letters: table ${tableName} does not exist in ${where(config.lease)}\n`,
        );
        return EXIT_OK;
      }
      if (args.action === 'list') return await list(store, args.json);
      if (args.action === 'purge') return await purge(store);
      return await replay(store, config, clients, logger);
    } finally {
      leaseClient.destroy();
    }
  } catch (err) {
    reportFailure(err, logger);
    return exitCodeFor(err);
  }
}

async function list(store: DeadLetterStore, json: boolean): Promise<number> {
  const letters = await store.all();
  const now = Date.now();
  if (json) {
    process.stdout.write(
      `${JSON.stringify(
        letters.map((l) => deadLetterJson(l, now)),
        null,
        2,
      )}\n`,
    );
  } else {
    const lines = letters.map((l) => deadLetterLine(l, now));
    lines.push(`${letters.length} dead letter${letters.length === 1 ? '' : 's'} in ${store.tableName}`);
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  return EXIT_OK;
}

async function purge(store: DeadLetterStore): Promise<number> {
  const letters = await store.all();
  for (const letter of letters) await store.delete(letter);
  process.stdout.write(`purged ${letters.length} dead letters from ${store.tableName}\n`);
  return EXIT_OK;
}

async function replay(
  store: DeadLetterStore,
  config: ReplicationConfig,
  clients: SideClients,
  logger: Logger,
): Promise<number> {
  const source = clients.dynamo('source', STARTUP);
  const destination = clients.dynamo('destination', DATA_PATH);
  try {
    const signal = new AbortController().signal;
    const destinationTable = await describeTable(destination, 'destination', config.destination, undefined, {
      creatable: false,
    });
    const destinationKey = keySchemaOf(destinationTable);
    const rules = await replayRules(config, source, destinationKey);
    const writer = new TableWriter({
      client: destination,
      tableName: config.destination.tableName,
      keyAttributes: destinationKey.map((part) => part.name),
      requestSlots: new Semaphore(1),
      events: new EventBus((err) => logger.error({ err }, 'event listener failed')),
      requestTimeoutMs: 10_000,
    });
    const outcome = await replayDeadLetters({ store, writer, rules }, signal);
    const lines = outcome.refused.map(
      ({ letter, error, waiting }) =>
        `still refused: key ${JSON.stringify(letter.change.keys)} seq ${letter.change.sequenceNumber}${waiting > 0 ? ` (${waiting} later change${waiting === 1 ? '' : 's'} of the key wait behind it)` : ''}: ${error}`,
    );
    lines.push(
      `replayed ${outcome.replayed} dead letters to ${config.destination.tableName}; ${outcome.refused.length} key${outcome.refused.length === 1 ? '' : 's'} still refused`,
    );
    process.stdout.write(`${lines.join('\n')}\n`);
    return outcome.refused.length === 0 ? EXIT_OK : EXIT_FAILED;
  } finally {
    source.destroy();
    destination.destroy();
  }
}

/** The worker's rules, from the same flags: undefined when none is set. */
async function replayRules(
  config: ReplicationConfig,
  source: DynamoDBClient,
  destinationKey: ReturnType<typeof keySchemaOf>,
): Promise<DestinationRules | undefined> {
  if (config.rules === undefined) return undefined;
  const loaded = await loadRuleTransform(config.rules);
  const sourceTable = await describeTable(source, 'source', config.source);
  return destinationRules(config.rules, loaded, {
    sourceTable: config.source.tableName,
    destinationTable: config.destination.tableName,
    viewType: sourceTable.StreamSpecification?.StreamViewType ?? 'unknown',
    sourceKey: keySchemaOf(sourceTable),
    destinationKey,
  });
}
