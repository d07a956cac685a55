// A bootstrap without --from-export of a task that loads an export is refused while the load is unfinished: the
// scan copy would read the load's saved file index as a scan position, and the user meant the export. A task that
// is done goes on (replication from its recorded positions is the same whichever copy made them).
import { patiently, type BootstrapDeps } from '../bootstrap/bootstrap-deps.js';
import { ConfigError } from '../errors/replicator-error.js';
import { ExportTaskStore } from './export-task-store.js';

export async function refuseUnfinishedExportLoad(
  deps: Pick<BootstrapDeps, 'config' | 'leaseClient' | 'logger'>,
  signal: AbortSignal,
): Promise<void> {
  const { config } = deps;
  const exportStore = new ExportTaskStore(deps.leaseClient, config.lease.tableName);
  // One Scan, as the copy's own read of its items (the bootstrap's IAM allows Scan on the lease table).
  const { task, loads: recorded } = await patiently(() => exportStore.read(signal), deps, signal);
  if (recorded === undefined || task === undefined || task.state === 'done') return;
  throw new ConfigError(
    `task ${config.taskName} loads an export (${recorded.location}) and the load is not finished: run it again with --from-export ${recorded.location}, or use a new --task-name and an empty destination for a scan copy`,
  );
}
