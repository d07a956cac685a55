// Pure: the order in which a worker creates the leases its shard discovery found missing. Workers started together
// all find the same thousand shards without leases; in the same order, every one of them sent a conditional PutItem
// for every lease, and all but one of each were refused (6,758-6,942 refused per cold start of 8 workers in the
// thousand-shards stage). Each worker starts at its own place in the list instead (by a hash of its id) and goes
// round, so workers started together first create different leases, and a worker that runs into leases another
// one made looks at the table again and skips them (shard-sync.ts). Order does not matter otherwise: a child's
// lease waits for its parent's (lease-decision.ts, isReady).

/** `items` turned round to start at the worker's own place; the same worker always gets the same order. */
export function creationOrder<T>(items: readonly T[], workerId: string): T[] {
  if (items.length === 0) return [];
  const start = fnv1a(workerId) % items.length;
  return [...items.slice(start), ...items.slice(0, start)];
}

/** 32-bit FNV-1a: a spread of small strings over the list, not a secret. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
