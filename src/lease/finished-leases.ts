// Pure: which finished leases (checkpoint SHARD_END) can be deleted. Never before the shard is gone from the
// stream (else the next shard sync would create its lease anew at TRIM_HORIZON and replay it, writing older
// images over newer ones), and never before each child's lease exists and has moved past TRIM_HORIZON (else a
// child could be taken before the parents-first rule had anything to check).
import { isFinished, TRIM_HORIZON, type Lease } from './lease.js';

export function finishedLeasesToDelete(
  leases: readonly Lease[],
  streamShardIds: ReadonlySet<string>,
): Lease[] {
  const children = new Map<string, Lease[]>();
  for (const lease of leases) {
    for (const parent of lease.parentShardIds) {
      const list = children.get(parent) ?? [];
      list.push(lease);
      children.set(parent, list);
    }
  }
  return leases.filter((lease) => {
    if (!isFinished(lease) || streamShardIds.has(lease.leaseKey)) return false;
    const kids = children.get(lease.leaseKey) ?? [];
    return kids.length > 0 && kids.every((child) => child.checkpoint !== TRIM_HORIZON);
  });
}
