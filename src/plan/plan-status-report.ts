// Pure: what `status --plan` prints: one line per task (task name, source -> destination, every destination of a
// fan-out, shards, owners, state) from each task's lease table as fleet-status.ts reads it, then the fleet's workers over every lease
// table (a worker of a plan runs many tasks), or the same as JSON. A task whose lease table does not exist yet
// is "not started", not an error.
import { deadLettersText, type FleetStatus } from '../app/fleet-status.js';
import { copyStatusCell } from '../bootstrap/copy-status.js';
import { lagText } from '../observability/lag-text.js';
import type { TableLocation } from '../config/replication-config.js';
import { conflictCountText, type ConflictSummary } from '../twoway/conflict-summary.js';
import { directionText } from '../twoway/direction-text.js';
import type { Side } from '../twoway/version-stamp.js';
import { columns, tableJson, tableText } from './report-text.js';

export interface TaskStatus {
  readonly label: string;
  readonly taskName: string;
  readonly source: TableLocation;
  readonly destination: TableLocation;
  /** A fan-out's further destinations; absent or empty for a single destination. */
  readonly fanOut?: readonly TableLocation[] | undefined;
  readonly leaseTable: TableLocation;
  /** Undefined: no lease table yet (no worker has started the task). */
  readonly fleet: FleetStatus | undefined;
  /** The lease table could not be read (one line). */
  readonly error?: string;
  /** A direction of a two-way pair (the status page reads its conflict log too). */
  readonly twoWay?: TwoWayTaskStatus | undefined;
}

export interface TwoWayTaskStatus {
  /** The side whose stream this direction reads. */
  readonly side: Side;
  /** Undefined before the conflict log was first read, or when that read failed. */
  readonly conflicts?: ConflictSummary | undefined;
  /** The last read of the conflict log failed (one line). */
  readonly conflictsError?: string | undefined;
  /** How long before this status the conflicts shown were read (a large log is read less often). */
  readonly conflictsAgeMs?: number | undefined;
}

export interface FleetWorker {
  readonly workerId: string;
  readonly leases: number;
  /** Leases per task name (0 for a task whose lease table shows the worker without a lease). */
  readonly tasks: Readonly<Record<string, number>>;
  readonly sinceHeartbeatMs?: number;
}

/**
 * not started (no lease table), failed (a worker recorded a failure and none runs the task now), stopped (no
 * live worker), starting (workers, no shard yet), running (with the shards nobody reads and the workers whose
 * run failed, if any), finished (every shard read to its end: stream disabled or table deleted), error.
 */
export function taskState(status: Pick<TaskStatus, 'fleet' | 'error'>): string {
  if (status.error !== undefined) return 'error';
  const fleet = status.fleet;
  if (fleet === undefined) return 'not started';
  const failed = fleet.failures?.length ?? 0;
  // Before "finished": a deleted table ends its shards and fails the task, and the failure says more.
  if (failed > 0 && fleet.workers.length === 0) return 'failed';
  const live = fleet.shards.filter((s) => s.state !== 'finished');
  if (fleet.shards.length > 0 && live.length === 0) return 'finished';
  if (fleet.workers.length === 0) return 'stopped';
  if (fleet.shards.length === 0 && failed === 0) return 'starting';
  const idle = [
    fleet.totals.expired === 0 ? '' : `${fleet.totals.expired} expired`,
    fleet.totals.unowned === 0 ? '' : `${fleet.totals.unowned} unowned`,
    failed === 0 ? '' : `failed on ${failed} worker${failed === 1 ? '' : 's'}`,
  ].filter((s) => s !== '');
  return idle.length === 0 ? 'running' : `running, ${idle.join(', ')}`;
}

/** Distinct owners of the shards being read (not finished, not expired). */
export function ownersOf(fleet: FleetStatus): number {
  const owners = new Set<string>();
  for (const s of fleet.shards) {
    if (s.owner !== undefined && s.state !== 'finished' && s.state !== 'expired') owners.add(s.owner);
  }
  return owners.size;
}

/** The task's lag: its furthest-behind shard being read (undefined while no owner has reported one). */
export function taskLagMs(fleet: FleetStatus | undefined): number | undefined {
  const known = (fleet?.shards ?? []).flatMap((s) => (s.behindMs === undefined ? [] : [s.behindMs]));
  return known.length === 0 ? undefined : Math.max(...known);
}

/** Every live worker of every task's lease table, once, with its leases per task. */
export function fleetWorkers(tasks: readonly TaskStatus[]): FleetWorker[] {
  const byId = new Map<string, { leases: number; tasks: Record<string, number>; since?: number }>();
  for (const task of tasks) {
    for (const w of task.fleet?.workers ?? []) {
      const worker = byId.get(w.workerId) ?? { leases: 0, tasks: {} };
      worker.leases += w.leases;
      worker.tasks[task.taskName] = (worker.tasks[task.taskName] ?? 0) + w.leases;
      if (w.sinceHeartbeatMs !== undefined) {
        worker.since = Math.min(worker.since ?? Infinity, w.sinceHeartbeatMs);
      }
      byId.set(w.workerId, worker);
    }
  }
  return [...byId.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([workerId, w]) => ({
      workerId,
      leases: w.leases,
      tasks: w.tasks,
      ...(w.since === undefined ? {} : { sinceHeartbeatMs: w.since }),
    }));
}

export function formatPlanStatus(tasks: readonly TaskStatus[]): string {
  const rows = tasks.map((task) => {
    const fleet = task.fleet;
    const live = fleet?.shards.filter((s) => s.state !== 'finished').length ?? 0;
    const finished = fleet?.totals.finished ?? 0;
    return [
      task.taskName,
      `${tableText(task.source)} -> ${destinationsOf(task).map(tableText).join(', ')}`,
      fleet === undefined ? '-' : `${live}${finished === 0 ? '' : ` (+${finished} finished)`}`,
      fleet === undefined ? '-' : String(ownersOf(fleet)),
      lagCell(fleet),
      copyStatusCell(fleet?.copy),
      taskState(task),
    ];
  });
  const workers = fleetWorkers(tasks);
  const errors = tasks.flatMap((t) => [
    ...(t.error === undefined ? [] : [`${t.label}: ${t.error}`]),
    ...(t.fleet?.failures ?? []).map(
      (f) => `${t.label}: failed on ${f.workerId} ${lagText(f.sinceMs)} ago: ${f.error}`,
    ),
    ...((t.fleet?.deadLetters ?? 0) > 0 ? [`${t.label}: ${deadLettersText(t.fleet?.deadLetters ?? 0)}`] : []),
  ]);
  return [
    ...columns([['TASK', 'SOURCE -> DESTINATION', 'SHARDS', 'OWNERS', 'LAG', 'COPY', 'STATE'], ...rows]),
    '',
    tasks.length === 0 ? 'no task in the plan' : `${tasks.length} task${tasks.length === 1 ? '' : 's'}`,
    workers.length === 0 ? 'workers: none live' : `workers (${workers.length}):`,
    ...workers.map((w) => {
      const perTask = Object.entries(w.tasks)
        .map(([taskName, n]) => `${taskName}: ${n}`)
        .join(', ');
      const leases = `${w.leases} lease${w.leases === 1 ? '' : 's'}${w.leases === 0 ? ' (standby)' : ''}`;
      return `  ${w.workerId}: ${leases} (${perTask})`;
    }),
    ...errors,
  ].join('\n');
}

export function planStatusJson(tasks: readonly TaskStatus[]): Record<string, unknown> {
  return {
    tasks: tasks.map((task) => ({
      entry: task.label,
      taskName: task.taskName,
      source: tableJson(task.source),
      destination: tableJson(task.destination),
      ...((task.fanOut ?? []).length === 0 ? {} : { fanOut: (task.fanOut ?? []).map(tableJson) }),
      leaseTable: tableJson(task.leaseTable),
      state: taskState(task),
      ...(task.fleet === undefined
        ? {}
        : {
            shards: task.fleet.shards.length,
            owners: ownersOf(task.fleet),
            ...optional('lagMs', taskLagMs(task.fleet)),
            ...(task.fleet.copy === undefined ? {} : { copy: task.fleet.copy }),
            totals: task.fleet.totals,
            fleet: task.fleet,
          }),
      ...(task.error === undefined ? {} : { error: task.error }),
      ...(task.twoWay === undefined ? {} : { twoWay: twoWayJson(task, task.twoWay) }),
    })),
    workers: fleetWorkers(tasks),
  };
}

/** A two-way direction as the status page shows it: named as `status --two-way` names it, with its conflicts. */
function twoWayJson(task: TaskStatus, twoWay: TwoWayTaskStatus): Record<string, unknown> {
  const { conflicts } = twoWay;
  return {
    side: twoWay.side,
    direction: directionText(twoWay.side, task.source.tableName, task.destination.tableName),
    ...(conflicts === undefined
      ? {}
      : { conflicts: { ...conflicts, text: conflictCountText(conflicts.count) } }),
    ...(twoWay.conflictsError === undefined ? {} : { conflictsError: twoWay.conflictsError }),
    ...optional('conflictsAgeMs', twoWay.conflictsAgeMs),
  };
}

/** Every destination of a task: the first, then a fan-out's further ones. */
export function destinationsOf(task: Pick<TaskStatus, 'destination' | 'fanOut'>): TableLocation[] {
  return [task.destination, ...(task.fanOut ?? [])];
}

function lagCell(fleet: FleetStatus | undefined): string {
  const lag = taskLagMs(fleet);
  return lag === undefined ? '-' : lagText(lag);
}

function optional(key: string, value: number | undefined): Record<string, number> {
  return value === undefined ? {} : { [key]: value };
}
