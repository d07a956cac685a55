// `ddb-replicator bootstrap`: the copy alone. Records the source stream's positions as the task's checkpoints,
// copies every item of the source to the destination (parallel scan, shared by every worker of the task,
// resumable), checks that the stream still holds every change after the positions, and exits. `replicate` (or
// `replicate --bootstrap`) with the same task then replicates from those positions. Same flags as `replicate`.
import type { Argv } from 'yargs';
import { fromExportOption } from '../export/export-flag.js';
import { createLogger } from '../observability/logger.js';
import { bootstrapOptionsFromArgs, configFromArgs, replicate } from './replicate-command.js';
import { replicateFlags, type ReplicateArgs } from './replicate-flags.js';
import { runPlan } from './plan-run.js';
import { exitCodeFor, reportFailure } from './report-failure.js';

export function bootstrapFlags<T>(yargs: Argv<T>) {
  // --bootstrap is implied; --start-position does not apply (the copy decides where replication starts).
  return replicateFlags(yargs).hide('bootstrap').hide('start-position');
}

export async function runBootstrapCommand(args: ReplicateArgs): Promise<number> {
  const format = args['log-format'];
  const logger = createLogger({
    level: args['log-level'],
    format: format === 'json' || format === 'pretty' ? format : 'auto',
  });
  try {
    fromExportOption({ fromExport: args['from-export'], bootstrap: true, plan: args.plan });
    if (args.plan !== undefined) return await runPlan(args.plan, args, logger, true);
    const config = await configFromArgs(args);
    const options = bootstrapOptionsFromArgs(args, true);
    // The replication progress line has nothing to say during a copy; the copy reports its own progress.
    return await replicate({ ...config, progressIntervalMs: 0 }, logger, options);
  } catch (err) {
    reportFailure(err, logger);
    return exitCodeFor(err);
  }
}
