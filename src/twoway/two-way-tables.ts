// The names of two-way replication's own tables, from the lease table of the direction they belong to: side X's
// tombstones beside X's table, named after the lease table of the direction reading X; each direction's conflict
// log beside its lease table. One function for the runtime, the commands and the IAM statements.

export function twoWayTableNames(leaseTableName: string): { tombstones: string; conflicts: string } {
  return { tombstones: `${leaseTableName}-tombstones`, conflicts: `${leaseTableName}-conflicts` };
}
