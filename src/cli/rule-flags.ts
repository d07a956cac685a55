// The rule flags of `replicate` and `bootstrap` (README "Rules"): which changes reach the destination and in
// which shape. Checked by buildRuleOptions; the plan's fields of the same names carry them per table pair.
import type { Argv } from 'yargs';
import type { RuleFlags } from '../rules/rule-options.js';

export function ruleFlags<T>(yargs: Argv<T>) {
  return yargs
    .option('filter', {
      type: 'string',
      describe:
        'Replicate only the items whose change matches this pattern (Lambda event filtering syntax, JSON or @file.json); an item that stops matching is deleted at the destination',
    })
    .option('transform', {
      type: 'string',
      describe:
        'An ES module exporting transform(image, context): returns the image to write, or null to keep the item out (export const changesKey = true if it changes keys)',
    })
    .option('exclude-attributes', {
      type: 'string',
      describe: 'Attributes left out of the destination, comma-separated (applied after --transform)',
    })
    .option('rename-attributes', {
      type: 'string',
      describe:
        'Attributes renamed at the destination, old=new comma-separated (applied after --exclude-attributes)',
    })
    .option('ttl-deletes', {
      type: 'string',
      choices: ['replicate', 'skip'],
      describe:
        "Deletes made by the source's TTL: delete at the destination too, or keep the destination's copy (with --plan: for entries that do not say) [default: replicate]",
    });
}

export function ruleFlagValues(args: {
  readonly filter?: string | undefined;
  readonly transform?: string | undefined;
  readonly 'exclude-attributes'?: string | undefined;
  readonly 'rename-attributes'?: string | undefined;
  readonly 'ttl-deletes'?: string | undefined;
}): RuleFlags {
  return {
    filter: args.filter,
    transform: args.transform,
    excludeAttributes: args['exclude-attributes'],
    renameAttributes: args['rename-attributes'],
    ttlDeletes: args['ttl-deletes'],
  };
}
