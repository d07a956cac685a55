// What `replicate`, `replicate --plan`, `replicate --two-way` and `demo` hand the status page: a task's tables
// (every destination of a fan-out; a two-way direction's side), this worker's items written per shard, and the
// address to print.
import type { Server } from 'node:http';
import { isIP } from 'node:net';
import type { Registry } from 'prom-client';
import type { ReplicationConfig } from '../../config/replication-config.js';
import type { Side } from '../../twoway/version-stamp.js';
import type { HealthVerdict } from '../health-check.js';
import type { Logger } from '../logger.js';
import { serveMetrics } from '../metrics-server.js';
import type { ProgressTracker } from '../progress-tracker.js';
import { StatusPoller, type PolledTask } from './status-poller.js';

/** `twoWaySide`: for a direction of a two-way pair, the side whose stream it reads. */
export function taskTables(
  config: ReplicationConfig,
  label: string = config.taskName,
  twoWaySide?: Side,
): PolledTask {
  return {
    ...(twoWaySide === undefined ? {} : { twoWay: { side: twoWaySide } }),
    label,
    taskName: config.taskName,
    source: config.source,
    destination: config.destination,
    fanOut: config.fanOut.map((target) => target.destination),
    leaseTable: config.lease,
  };
}

/** Records written per shard by this worker: one record is one item written (a put or a delete). */
export function writtenPerShard(tracker: ProgressTracker): ReadonlyMap<string, number> {
  return new Map(tracker.snapshot().shards.map((s) => [s.shardId, s.recordsWritten]));
}

/** The page's address as someone on this machine opens it: all interfaces are reached on the loopback. */
export function pageUrl(host: string | undefined, port: number): string {
  const shown = host === undefined || host === '::' || host === '0.0.0.0' ? '127.0.0.1' : host;
  return `http://${isIP(shown) === 6 ? `[${shown}]` : shown}:${port}/`;
}

export interface StatusServerOptions {
  readonly registry: Registry;
  readonly port: number;
  readonly host: string | undefined;
  readonly health: () => HealthVerdict;
  readonly mode: 'task' | 'plan';
  readonly tasks: () => readonly PolledTask[];
  readonly written: () => ReadonlyMap<string, ReadonlyMap<string, number>>;
  readonly logger: Logger;
  readonly sessionName: string;
  /** Stops the poller; the caller closes the server. */
  readonly signal: AbortSignal;
}

/**
 * The metrics port with the status page: the lease tables' poller runs until `signal` aborts (`polling` settles
 * then). Logs the port and the page's address.
 */
export async function serveWithStatusPage(
  options: StatusServerOptions,
): Promise<{ server: Server; port: number; url: string; polling: Promise<void> }> {
  const poller = new StatusPoller(options);
  const polling = poller.run(options.signal);
  try {
    const served = await serveMetrics(options.registry, options.port, options.health, {
      host: options.host,
      status: poller,
    });
    const url = pageUrl(options.host, served.port);
    options.logger.info({ port: served.port }, 'serving /metrics and /healthz');
    options.logger.info({ url }, 'status page');
    return { ...served, url, polling };
  } catch (err) {
    await polling;
    throw err;
  }
}
