// The rules of a test table keyed by `pk` (S) on both sides, nothing set but what a test overrides: for the unit
// tests of the rules' planners and of what calls them.
import type { DestinationRules } from '../../src/rules/destination-writes.js';

export function pkRules(overrides: Partial<DestinationRules> = {}): DestinationRules {
  return {
    sourceTable: 'src',
    destinationTable: 'dst',
    filter: undefined,
    transform: undefined,
    changesKey: false,
    ttlDeletes: 'replicate',
    sourceKeyAttributes: ['pk'],
    destinationKeyAttributes: ['pk'],
    keyRenames: new Map(),
    ...overrides,
  };
}
