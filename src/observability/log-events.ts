// What of the core's events goes to the log, and at which level: ownership and shard life at info (a fleet's
// story), every flush and retry at debug (too many for info; the progress line sums them up).
import type { Logger } from 'pino';
import type { EventBus } from './events.js';

export function logEvents(events: EventBus, logger: Logger): void {
  events.on('lease.taken', (e) => logger.info(e, 'lease taken'));
  events.on('lease.lost', (e) => logger.warn(e, 'lease lost'));
  events.on('lease.released', (e) => logger.info(e, 'lease released'));
  events.on('shard.started', (e) => logger.info(e, 'shard reading'));
  events.on('shard.ended', (e) => logger.info(e, 'shard finished'));
  events.on('shard.stopped', (e) => {
    if (e.kind === 'stopped') logger.info(e, 'shard stopped');
    else logger.warn(e, 'shard stopped');
  });
  events.on('iterator.renewed', (e) => logger.info(e, 'shard iterator expired; renewed'));
  events.on('shards.synced', (e) => {
    if (e.created > 0) logger.info(e, 'new shards found');
    else logger.debug(e, 'shards synced');
  });
  events.on('batch.flushed', (e) => logger.debug(e, 'flushed'));
  events.on('checkpoint.moved', (e) => logger.debug(e, 'checkpoint moved'));
  events.on('write.retried', (e) => {
    // A destination that keeps failing must show in the log, not only in the progress line's counters.
    if (e.attempt >= 5 && e.attempt % 5 === 0)
      logger.warn(e, 'writes to the destination keep failing; retrying');
    else logger.debug(e, 'write retried');
  });
  events.on('read.retried', (e) => {
    if (e.attempt >= 5 && e.attempt % 5 === 0) logger.warn(e, 'reads from the stream keep failing; retrying');
    else logger.debug(e, 'read retried');
  });
}
