// A plan entry's rule fields as the rule flags of one pair: a `@file` filter and a transform module are found
// beside the plan file, wherever the command runs (as `replicate --plan` finds them, cli/plan-run.ts).
import { dirname, resolve } from 'node:path';
import type { RuleFlags } from '../rules/rule-options.js';

/** `ttlDeletes` falls back to the command line's --ttl-deletes. */
export function planRuleFlags(own: RuleFlags, planFile: string, ttlDeletes: string | undefined): RuleFlags {
  const besidePlan = (path: string): string => resolve(dirname(resolve(planFile)), path);
  return {
    filter: own.filter?.startsWith('@') === true ? `@${besidePlan(own.filter.slice(1))}` : own.filter,
    transform: own.transform === undefined ? undefined : besidePlan(own.transform),
    excludeAttributes: own.excludeAttributes,
    renameAttributes: own.renameAttributes,
    ttlDeletes: own.ttlDeletes ?? ttlDeletes,
  };
}
