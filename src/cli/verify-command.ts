// `ddb-replicator verify`: compares the source and destination tables item by item and prints what differs
// (--json for scripts); --repair fixes it. Exit 0 when the tables are equal (or, with --repair, when every
// difference found was written), 1 when differences remain, 2 for a configuration mistake (one line).
import type { Argv } from 'yargs';
import { DATA_PATH, STARTUP } from '../app/aws-clients.js';
import { SideClients } from '../app/side-clients.js';
import { StoppedError } from '../errors/replicator-error.js';
import { createLogger, type Logger } from '../observability/logger.js';
import { ProgressBar } from '../observability/progress-bar.js';
import { defaultSegments } from '../scan/scan-segment.js';
import { buildVerifyConfig, type VerifyConfig } from '../verify/verify-config.js';
import { verifyPreflight } from '../verify/verify-preflight.js';
import { VerifyRun } from '../verify/verify-run.js';
import { formatVerifySummary, summaryJson, verifyExitCode, verifyResult } from '../verify/verify-summary.js';
import { EXIT_INTERRUPTED } from './exit-codes.js';
import { exitCodeFor, reportFailure } from './report-failure.js';
import { anyProfile, loadKnownProfiles } from './credential-flags.js';
import { commandSessionName } from './session-name.js';
import { tableFlags, tableFlagValues } from './table-flags.js';

export function verifyFlags<T>(yargs: Argv<T>) {
  return tableFlags(yargs)
    .option('segments', {
      type: 'number',
      describe: 'Parallel scan segments per table [default: from the table size, one per 256 MiB, 4 to 1000]',
    })
    .option('max-read-rate', {
      type: 'number',
      describe: 'Items read per second, both tables together [default: no limit]',
    })
    .option('max-write-rate', {
      type: 'number',
      describe: 'Items written per second by --repair [default: no limit]',
    })
    .option('page-size', {
      type: 'number',
      default: 1000,
      describe: 'Scan page size (Limit); pages also end at 1 MB',
    })
    .option('show', {
      type: 'number',
      default: 0,
      describe: 'Print the first N keys of each kind of difference',
    })
    .option('repair', {
      type: 'boolean',
      default: false,
      describe: "Fix the differences: write the source's current item, delete extra items",
    })
    .option('recheck-delay-ms', {
      type: 'number',
      default: 2000,
      describe:
        'Wait before reading a differing item again (consistent reads); later looks wait 2x and 4x this',
    })
    .option('recheck-rounds', {
      type: 'number',
      default: 3,
      describe: 'Looks before a differing item counts as drift (more while the destination still changes)',
    })
    .option('json', { type: 'boolean', default: false, describe: 'Print the summary as JSON on stdout' });
}

export type VerifyArgs = Awaited<ReturnType<typeof verifyFlags>['argv']>;

export async function runVerify(args: VerifyArgs): Promise<number> {
  const logger = createLogger();
  try {
    const profiles = await loadKnownProfiles(anyProfile(args, ['source', 'destination']));
    const config = buildVerifyConfig(
      {
        ...tableFlagValues(args),
        segments: args.segments,
        maxReadRate: args['max-read-rate'],
        maxWriteRate: args['max-write-rate'],
        pageSize: args['page-size'],
        show: args.show,
        repair: args.repair,
        recheckDelayMs: args['recheck-delay-ms'],
        recheckRounds: args['recheck-rounds'],
      },
      process.env,
      profiles,
    );
    return await verify(config, { json: args.json, logger });
  } catch (err) {
    reportFailure(err, logger);
    return exitCodeFor(err);
  }
}

/** One verify run with signal handling; resolves with the exit code. */
export async function verify(
  config: VerifyConfig,
  options: { readonly json: boolean; readonly logger: Logger },
): Promise<number> {
  const { logger } = options;
  const stop = new AbortController();
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    interrupts += 1;
    if (interrupts > 1) process.exit(EXIT_INTERRUPTED);
    logger.warn({ signal }, 'verify interrupted: stopping');
    stop.abort();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  const clients = new SideClients(config, { logger, sessionName: commandSessionName('verify') });
  const startup = {
    source: clients.dynamo('source', STARTUP),
    destination: clients.dynamo('destination', STARTUP),
  };
  const sourceClient = clients.dynamo('source', DATA_PATH);
  const destinationClient = clients.dynamo('destination', DATA_PATH);
  let bar: ProgressBar | undefined;
  try {
    await clients.checkCredentials(['source', 'destination']);
    const tables = await verifyPreflight(
      {
        sourceClient: startup.source,
        destinationClient: startup.destination,
        source: config.source,
        destination: config.destination,
      },
      stop.signal,
    );
    const segments = {
      source: config.segments ?? defaultSegments(tables.sourceSizeBytes),
      destination: config.segments ?? defaultSegments(tables.destinationSizeBytes),
    };
    const progress = new ProgressBar({
      label: 'verify',
      total: tables.sourceItemCount,
      log: logger,
      extra: () => {
        const live = run.live();
        return { dest: live.destination, rechecking: live.rechecking, differ: live.differ };
      },
    });
    bar = progress;
    const run = new VerifyRun({
      config,
      sourceClient,
      destinationClient,
      keyAttributes: tables.keyAttributes,
      segments,
      estimatedItems: tables.sourceItemCount,
      onCompared: (n) => progress.add(n),
    });
    progress.start();
    const summary = await run.run(stop.signal);
    await progress.stop();
    const result = verifyResult(summary);
    process.stdout.write(
      options.json
        ? `${JSON.stringify(summaryJson(summary), null, 2)}\n`
        : `${formatVerifySummary(summary)}\n`,
    );
    return verifyExitCode(result);
  } catch (err) {
    await bar?.stop();
    if (err instanceof StoppedError) {
      logger.warn('verify stopped before the end: no verdict');
      return EXIT_INTERRUPTED;
    }
    throw err;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    for (const client of [startup.source, startup.destination, sourceClient, destinationClient]) {
      client.destroy();
    }
  }
}
