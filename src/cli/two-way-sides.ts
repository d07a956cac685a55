// The two directions of a two-way pair as the commands that only read or check it name them (status, verify,
// policy): A→B with the flags' source as side A, B→A with the sides swapped, each direction's task name the
// given --task-name with `.a-b` or `.b-a` (as replicate --two-way names them), or the MD5 of its own pair.
import { buildTaskSides, type TaskSides } from '../config/replication-config.js';
import type { KnownProfiles } from '../config/credential-source.js';
import type { TableFlags } from '../config/table-locations.js';
import { directionTaskName, swapSides } from '../config/two-way-flags.js';

export function twoWaySides(
  flags: TableFlags,
  taskName: string | undefined,
  profiles: KnownProfiles | undefined,
  env: NodeJS.ProcessEnv = process.env,
): [TaskSides, TaskSides] {
  return [
    buildTaskSides({ ...flags, taskName: directionTaskName(taskName, 'a-b') }, env, profiles),
    buildTaskSides({ ...swapSides(flags), taskName: directionTaskName(taskName, 'b-a') }, env, profiles),
  ];
}
