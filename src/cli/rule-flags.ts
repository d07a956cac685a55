// The rule flags of `replicate` and `bootstrap` (README "Rules"): which changes reach the destination and in
// which shape, and what becomes of a change the destination refuses (--on-reject). Checked by buildRuleOptions
// and buildDeadLetterOptions; the plan's fields of the same names carry them per table pair.
import type { Argv } from 'yargs';
import type { RejectFlags } from '../deadletter/dead-letter-options.js';
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
    })
    .option('on-reject', {
      type: 'string',
      choices: ['stop', 'dead-letter'],
      describe:
        'A change the destination refuses for good (validation, index key type, item too large) or the transform throws on: stop the shard before it, or store it in the dead-letter table and go on (later changes of its key follow it there until `dead-letters replay`) [default: stop]',
    })
    .option('dead-letter-table', {
      type: 'string',
      describe:
        'With --on-reject dead-letter: the dead-letter table, beside the lease table (created if missing) [default: <lease table>-dead-letters]',
    });
}

export function ruleFlagValues(args: {
  readonly filter?: string | undefined;
  readonly transform?: string | undefined;
  readonly 'exclude-attributes'?: string | undefined;
  readonly 'rename-attributes'?: string | undefined;
  readonly 'ttl-deletes'?: string | undefined;
  readonly 'on-reject'?: string | undefined;
  readonly 'dead-letter-table'?: string | undefined;
}): RuleFlags & RejectFlags {
  return {
    filter: args.filter,
    transform: args.transform,
    excludeAttributes: args['exclude-attributes'],
    renameAttributes: args['rename-attributes'],
    ttlDeletes: args['ttl-deletes'],
    onReject: args['on-reject'],
    deadLetterTable: args['dead-letter-table'],
  };
}
