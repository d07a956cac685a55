// The demo's live status page: the same page `replicate --metrics-port` serves (metrics, health and the page),
// on the loopback only (the demo is for the person at this machine), so a newcomer can watch replication happen
// in a browser while the figures run in the terminal.
import type { Replicator } from '../app/replicator.js';
import type { ReplicationConfig } from '../config/replication-config.js';
import type { EventBus } from '../observability/events.js';
import { HealthMonitor } from '../observability/health-monitor.js';
import type { Logger } from '../observability/logger.js';
import { ReplicatorMetrics } from '../observability/metrics.js';
import type { ProgressTracker } from '../observability/progress-tracker.js';
import {
  serveWithStatusPage,
  taskTables,
  writtenPerShard,
} from '../observability/status-page/status-wiring.js';

export interface DemoStatusPageDeps {
  readonly config: ReplicationConfig;
  readonly replicator: Replicator;
  readonly events: EventBus;
  readonly tracker: ProgressTracker;
  readonly logger: Logger;
  /** 0: a free port, printed. */
  readonly port: number;
}

/** Serves the page until `close()`; its address is `url`. */
export async function serveDemoStatusPage(
  deps: DemoStatusPageDeps,
): Promise<{ readonly url: string; close(): Promise<void> }> {
  const { config, replicator, events, tracker, logger } = deps;
  const metrics = new ReplicatorMetrics();
  metrics.attach(config.taskName, events, tracker, () => replicator.heldShards().length);
  const health = new HealthMonitor({
    snapshot: () => ({ tasks: [replicator.health()], stopping: replicator.status === 'STOPPING' }),
    logger,
  });
  const stop = new AbortController();
  const checking = health.run(stop.signal);
  try {
    const served = await serveWithStatusPage({
      registry: metrics.registry,
      port: deps.port,
      host: '127.0.0.1',
      health: () => health.verdict(),
      mode: 'task',
      tasks: () => [taskTables(config)],
      written: () => new Map([[config.taskName, writtenPerShard(tracker)]]),
      logger,
      sessionName: 'ddb-replicator-demo',
      signal: stop.signal,
    });
    return {
      url: served.url,
      async close() {
        stop.abort();
        await Promise.all([served.polling, checking]);
        served.server.close();
      },
    };
  } catch (err) {
    stop.abort();
    await checking;
    throw err;
  }
}
