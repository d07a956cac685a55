// The shape of a plan file: `defaults` for every entry and `replications`, one entry per table pair or glob of
// tables, each side's fields named as the flags are (camelCase, grouped by side). Every object is strict, so a
// misspelt field is an error and never silently ignored. Ranges are the flags' own (plan-schema.test.ts checks
// them against replicate's), so a value the plan accepts is one the command line accepts too.
// A namespace import, which the CLI bundle tree-shakes: `import { z }` brings zod's every locale (3.5 MB instead of 4.1).
import * as z from 'zod';
import { MAX_SEGMENTS } from '../bootstrap/bootstrap-options.js';
import { COPY_MODES } from '../bootstrap/copy-mode.js';
import { STREAM_VIEW_TYPES } from '../config/replication-config.js';
import { ON_REJECT } from '../deadletter/dead-letter-options.js';
import type { PlanTaskOptions } from './plan-task.js';

/** Whole-number options and their ranges, as replicate checks them. */
export const WHOLE_RANGES = {
  batchSize: { min: 1, max: 1000 },
  pollIntervalMs: { min: 0, max: 60_000 },
  checkpointIntervalMs: { min: 0, max: 60_000 },
  segments: { min: 1, max: MAX_SEGMENTS },
  copyConcurrency: { min: 1, max: 256 },
} as const;

export const START_POSITIONS = ['trim-horizon', 'latest'] as const;

/** Absent or null (null in an entry clears what `defaults` sets). */
const optional = <T extends z.ZodType>(type: T) => type.nullable().optional();
const text = optional(z.string().min(1));
const flag = optional(z.boolean());
const whole = (name: keyof typeof WHOLE_RANGES) =>
  optional(z.int().min(WHOLE_RANGES[name].min).max(WHOLE_RANGES[name].max));
const rate = optional(z.number().positive());

/** A pattern written into the plan (an object, or a list of them) is kept as the JSON text --filter takes. */
const filterField = optional(
  z
    .union([z.string().min(1), z.record(z.string(), z.unknown()), z.array(z.record(z.string(), z.unknown()))])
    .transform((value) => (typeof value === 'string' ? value : JSON.stringify(value))),
);
/** A list, or the flag's comma-separated text. */
const nameList = optional(
  z
    .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
    .transform((value) => (typeof value === 'string' ? value : value.join(','))),
);
/** A map of old name to new name, or the flag's old=new text. */
const renameMap = optional(
  z.union([z.string().min(1), z.record(z.string().min(1), z.string().min(1))]).transform((value) =>
    typeof value === 'string'
      ? value
      : Object.entries(value)
          .map(([from, to]) => `${from}=${to}`)
          .join(','),
  ),
);

const credentialShape = { profile: text, roleArn: text, externalId: text };

const sourceShape = {
  region: text,
  endpoint: text,
  streamsEndpoint: text,
  ...credentialShape,
};

const destinationShape = {
  table: text,
  region: text,
  endpoint: text,
  ...credentialShape,
  createTable: flag,
  streamViewType: optional(z.enum(STREAM_VIEW_TYPES)),
  kmsKey: text,
  copyTags: flag,
};

const leaseShape = { region: text, endpoint: text, ...credentialShape };

/** What is done to each change on its way to a destination: an entry's (or defaults') for all, or one element's. */
const ruleShape = {
  filter: filterField,
  transform: text,
  excludeAttributes: nameList,
  renameAttributes: renameMap,
  ttlDeletes: optional(z.enum(['replicate', 'skip'])),
};

/** One element of an entry's `destinations`: a destination and, where it differs from the entry's, its rules. */
const fanOutShape = { ...destinationShape, ...ruleShape };

/** Exactly PlanTaskOptions (the `satisfies` refuses a missing or extra field at compile time). */
const taskOptionShape = {
  startPosition: optional(z.enum(START_POSITIONS)),
  batchSize: whole('batchSize'),
  pollIntervalMs: whole('pollIntervalMs'),
  checkpointIntervalMs: whole('checkpointIntervalMs'),
  bootstrap: flag,
  segments: whole('segments'),
  maxWriteRate: rate,
  maxReadRate: rate,
  copyConcurrency: whole('copyConcurrency'),
  copyMode: optional(z.enum(COPY_MODES)),
  ...ruleShape,
  onReject: optional(z.enum(ON_REJECT)),
  deadLetterTable: text,
} satisfies Record<keyof PlanTaskOptions, z.ZodType>;

export const PLAN_MODES = ['one-way', 'two-way'] as const;

/** Two-way replication of an entry's pair (`replicate --two-way`), with its own marker prefix and horizon. */
const twoWayShape = {
  mode: optional(z.enum(PLAN_MODES)),
  markerPrefix: text,
  tombstoneHours: optional(
    z
      .number()
      .min(1)
      .max(24 * 366),
  ),
};

const defaultsSchema = z.strictObject({
  source: optional(z.strictObject(sourceShape)),
  destination: optional(z.strictObject(destinationShape)),
  lease: optional(z.strictObject(leaseShape)),
  ...taskOptionShape,
  ...twoWayShape,
  enableStream: flag,
});

const entrySchema = z
  .strictObject({
    source: z.strictObject({
      table: z.string().min(1),
      exclude: optional(z.array(z.string().min(1))),
      ...sourceShape,
    }),
    destination: optional(z.strictObject(destinationShape)),
    /** A fan-out: the stream read once, written to each of these (the first takes the place of `destination`). */
    destinations: optional(z.array(z.strictObject(fanOutShape)).min(1)),
    lease: optional(z.strictObject(leaseShape)),
    ...taskOptionShape,
    ...twoWayShape,
    taskName: text,
    enableStream: flag,
  })
  .superRefine((entry, context) => {
    const given = (value: unknown): boolean => value !== undefined && value !== null;
    if (given(entry.destination) && given(entry.destinations)) {
      context.addIssue({
        code: 'custom',
        path: ['destinations'],
        message:
          'give destination (one table) or destinations (a list of tables), not both; defaults.destination applies to each of the list',
      });
    }
  });

export const planSchema = z.strictObject({
  defaults: optional(defaultsSchema),
  replications: z.array(entrySchema).min(1),
});

export type PlanDocument = z.infer<typeof planSchema>;
export type PlanDefaults = z.infer<typeof defaultsSchema>;
export type PlanEntry = z.infer<typeof entrySchema>;

/** A validated plan and the file it came from (every message names it). */
export interface Plan extends PlanDocument {
  readonly file: string;
}

/** The fields each part of the file allows, for the message about an unknown one. */
export const ALLOWED_FIELDS = {
  plan: Object.keys(planSchema.shape),
  defaults: Object.keys(defaultsSchema.shape),
  entry: Object.keys(entrySchema.shape),
  'defaults.source': Object.keys(sourceShape),
  'entry.source': Object.keys(entrySchema.shape.source.shape),
  destination: Object.keys(destinationShape),
  destinations: Object.keys(fanOutShape),
  lease: Object.keys(leaseShape),
} as const;

export const TASK_OPTION_FIELDS = Object.keys(taskOptionShape) as readonly (keyof PlanTaskOptions)[];
