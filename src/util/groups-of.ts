// Splits a list into consecutive groups of `size` (the last one shorter), in order: write batches, lease
// transactions. Pure.

export function groupsOf<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1)
    throw new RangeError(`group size must be a whole number from 1, got ${size}`);
  const groups: T[][] = [];
  for (let start = 0; start < items.length; start += size) groups.push(items.slice(start, start + size));
  return groups;
}
