// `ddb-replicator demo`: the replicator at work on two local DynamoDB "regions", verified at the end. Flags,
// the checks made before anything starts (Java, flag ranges: one line and exit 2), the credentials DynamoDB
// Local needs, and Ctrl-C: the first ends the live phase and still compares the tables, a second one exits at
// once (exit 130) after killing DynamoDB Local and removing its data.
import type { Argv } from 'yargs';
import { DemoDisplay } from '../demo/demo-display.js';
import { DemoRun, type DemoOutcome } from '../demo/demo-run.js';
import { ConfigError } from '../errors/replicator-error.js';
import { LOCAL_CREDENTIALS, checkJava } from '../local/dynamodb-local.js';
import { createLogger } from '../observability/logger.js';
import { EXIT_CONFIG, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK } from './exit-codes.js';

/**
 * npm and npx forward the terminal's Ctrl-C to their child; where nothing in between absorbs it, a child that
 * already got it from the terminal gets it twice. Signals this close together count as one key press.
 */
const SAME_INTERRUPT_MS = 500;

const EXIT_CODES: Record<DemoOutcome, number> = {
  equal: EXIT_OK,
  different: EXIT_FAILED,
  failed: EXIT_FAILED,
  config: EXIT_CONFIG,
  interrupted: EXIT_INTERRUPTED,
};

export function demoFlags<T>(yargs: Argv<T>) {
  return yargs
    .option('duration-s', {
      type: 'number',
      default: 30,
      describe: 'How long the live workload runs, in seconds (0: until Ctrl-C)',
    })
    .option('rate', {
      type: 'number',
      default: 200,
      describe: 'Writes per second of the live workload (puts, updates and deletes)',
    })
    .option('items', {
      type: 'number',
      default: 2000,
      describe: 'Items written before the replicator starts: the backlog it catches up on',
    })
    .option('keep', {
      type: 'boolean',
      default: false,
      describe: 'After the comparison, keep DynamoDB Local running with both tables until Ctrl-C',
    })
    .option('status-port', {
      type: 'number',
      default: 0,
      describe: 'Port of the live status page on 127.0.0.1 (0: a free one; its address is printed)',
    })
    .option('log-level', {
      choices: ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const,
      default: 'warn' as const,
      describe: "Level of the replicator's log (on stderr; the demo's figures go to stdout)",
    })
    .epilogue(
      [
        'Needs Java 17 or newer (DynamoDB Local is a Java program). Nothing is sent to AWS.',
        'Ctrl-C stops the workload early and still compares the tables; a second Ctrl-C quits at once.',
        'Exit codes: 0 the tables are equal, 1 they differ or the demo failed, 2 Java missing or a bad flag,',
        '130 interrupted before the comparison.',
      ].join('\n'),
    );
}

export type DemoArgs = Awaited<ReturnType<typeof demoFlags>['argv']>;

export async function runDemo(args: DemoArgs): Promise<number> {
  try {
    checkRange(args['duration-s'], 0, 86_400, '--duration-s');
    checkRange(args.rate, 1, 5_000, '--rate');
    checkRange(args.items, 0, 1_000_000, '--items');
    checkRange(args['status-port'], 0, 65_535, '--status-port');
    checkJava();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`ddb-replicator demo: ${err.message}\n`);
    return EXIT_CONFIG;
  }
  useLocalCredentials();
  const display = new DemoDisplay((text) => process.stdout.write(text));
  const demo = new DemoRun({
    durationS: args['duration-s'],
    rate: args.rate,
    items: args.items,
    keep: args.keep,
    statusPort: args['status-port'],
    logger: createLogger({ level: args['log-level'] }),
    display,
  });

  let firstAt: number | undefined;
  const onSignal = (): void => {
    const now = performance.now();
    if (firstAt !== undefined && now - firstAt < SAME_INTERRUPT_MS) return;
    firstAt = now;
    const next = demo.interrupt();
    if (next !== undefined) {
      display.line();
      display.line(next);
      return;
    }
    display.line('Second Ctrl-C: stopping DynamoDB Local and quitting without comparing the tables.');
    demo.killNow();
    process.exit(EXIT_INTERRUPTED);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // A closed terminal: stop like a Ctrl-C rather than leave DynamoDB Local behind.
  process.on('SIGHUP', onSignal);
  try {
    return EXIT_CODES[await demo.run()];
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
  }
}

/**
 * The demo only talks to DynamoDB Local, which keeps one database per access key and region: every client of
 * this process, the replicator's included (default provider chain), must present the same key. AWS_PROFILE
 * would take precedence over the keys, so it goes too.
 */
function useLocalCredentials(): void {
  process.env.AWS_ACCESS_KEY_ID = LOCAL_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = LOCAL_CREDENTIALS.secretAccessKey;
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
}

function checkRange(value: number, min: number, max: number, flag: string): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${flag} must be a whole number from ${min} to ${max}, got ${String(value)}`);
  }
}
