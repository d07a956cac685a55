// How a long-running command stops: the first SIGTERM/SIGINT asks for a clean stop (final flush, checkpoints,
// leases released); a second one exits at once with 130, leaving the checkpoints where they were.
import type { Logger } from '../observability/logger.js';
import { EXIT_INTERRUPTED } from './exit-codes.js';

/** Installs the handlers; the returned function removes them. */
export function onStopSignals(logger: Logger, stop: () => void, message: string): () => void {
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    interrupts += 1;
    if (interrupts > 1) {
      logger.warn({ signal }, 'second interrupt: exiting without the final flush (checkpoints stay put)');
      process.exit(EXIT_INTERRUPTED);
    }
    logger.info({ signal }, message);
    stop();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return () => {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  };
}
