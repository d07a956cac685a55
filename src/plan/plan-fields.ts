// Which command-line flag each plan field stands for, and which flags are the process's (never a plan field).
// One table, read both ways: a mistake found by the flag rules (buildTaskSides) is reported in the plan's field
// names, and a flag written into the plan is answered with where it belongs. plan-fields.test.ts checks that
// every `replicate` flag is one or the other.

/** `replicate` flag -> plan field (a path under an entry or `defaults`). */
export const FLAG_FIELDS: Readonly<Record<string, string>> = {
  '--source-table': 'source.table',
  '--source-region': 'source.region',
  '--source-endpoint': 'source.endpoint',
  '--source-streams-endpoint': 'source.streamsEndpoint',
  '--source-profile': 'source.profile',
  '--source-role-arn': 'source.roleArn',
  '--source-external-id': 'source.externalId',
  '--dest-table': 'destination.table',
  '--dest-region': 'destination.region',
  '--dest-endpoint': 'destination.endpoint',
  '--dest-profile': 'destination.profile',
  '--dest-role-arn': 'destination.roleArn',
  '--dest-external-id': 'destination.externalId',
  '--create-dest-table': 'destination.createTable',
  '--dest-stream-view-type': 'destination.streamViewType',
  '--dest-kms-key': 'destination.kmsKey',
  '--copy-tags': 'destination.copyTags',
  '--lease-region': 'lease.region',
  '--lease-endpoint': 'lease.endpoint',
  '--lease-profile': 'lease.profile',
  '--lease-role-arn': 'lease.roleArn',
  '--lease-external-id': 'lease.externalId',
  '--task-name': 'taskName',
  '--start-position': 'startPosition',
  '--batch-size': 'batchSize',
  '--poll-interval-ms': 'pollIntervalMs',
  '--checkpoint-interval-ms': 'checkpointIntervalMs',
  '--bootstrap': 'bootstrap',
  '--segments': 'segments',
  '--max-write-rate': 'maxWriteRate',
  '--max-read-rate': 'maxReadRate',
  '--copy-concurrency': 'copyConcurrency',
  '--copy-mode': 'copyMode',
  '--filter': 'filter',
  '--transform': 'transform',
  '--exclude-attributes': 'excludeAttributes',
  '--rename-attributes': 'renameAttributes',
  '--ttl-deletes': 'ttlDeletes',
  '--on-reject': 'onReject',
  '--dead-letter-table': 'deadLetterTable',
  '--two-way': 'mode',
  '--marker-prefix': 'markerPrefix',
  '--tombstone-hours': 'tombstoneHours',
};

/** The seed library's flag spellings (aliases of replicate's) that name a plan field. */
const SEED_ALIASES: Readonly<Record<string, string>> = {
  destinationTable: '--dest-table',
  destinationRegion: '--dest-region',
  destinationEndpoint: '--dest-endpoint',
  kclRegion: '--lease-region',
  kclEndpoint: '--lease-endpoint',
};

/** Settings of the whole process (one worker running every task): flags of the command, never plan fields. */
export const PROCESS_SETTINGS: Readonly<Record<string, string>> = {
  workerId: '--worker-id',
  maxBufferMb: '--max-buffer-mb',
  writeConcurrency: '--write-concurrency',
  failoverMs: '--failover-ms',
  shardSyncIntervalMs: '--shard-sync-interval-ms',
  maxPollIntervalMs: '--max-poll-interval-ms',
  progressIntervalMs: '--progress-interval-ms',
  shutdownTimeoutMs: '--shutdown-timeout-ms',
  metricsPort: '--metrics-port',
  metricsHost: '--metrics-host',
  stallTimeoutMs: '--stall-timeout-ms',
  logLevel: '--log-level',
  logFormat: '--log-format',
  taskWriteConcurrency: '--task-write-concurrency',
  planRefreshIntervalMs: '--plan-refresh-interval-ms',
};

/** Flags of one table pair that a plan does not take (refused with --plan where they are checked). */
export const NOT_IN_PLANS: Readonly<Record<string, string>> = {
  fromExport: '--from-export',
};

/** `verify`'s own options: they apply to every pair of a `verify --plan` run. */
export const VERIFY_OPTIONS: Readonly<Record<string, string>> = {
  pageSize: '--page-size',
  show: '--show',
  repair: '--repair',
  recheckDelayMs: '--recheck-delay-ms',
  recheckRounds: '--recheck-rounds',
  json: '--json',
};

export function camelCase(kebab: string): string {
  return kebab.replace(/^-+/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** Where a field that is no plan field belongs, when it is a flag's name: the rest of the one-line message. */
export function misplacedField(key: string): string | undefined {
  const camel = key.includes('-') ? camelCase(key) : key;
  const spelt = camel === key ? '' : ` (fields are camelCase: ${camel})`;
  const process = PROCESS_SETTINGS[camel];
  if (process !== undefined) {
    return `${camel} is the process's setting, not a table pair's: pass ${process} on the command line`;
  }
  const single = NOT_IN_PLANS[camel];
  if (single !== undefined) {
    return `${camel} is not taken by a plan: run that table pair on its own with ${single} and --source-table/--dest-table`;
  }
  const verify = VERIFY_OPTIONS[camel];
  if (verify !== undefined) {
    return `${camel} is verify's option, not a table pair's: pass ${verify} to verify on the command line`;
  }
  const flag = SEED_ALIASES[camel] ?? `--${kebabCase(camel)}`;
  const field = FLAG_FIELDS[flag];
  if (field === 'mode') return `${key} is written mode: two-way in a plan`;
  if (field !== undefined && field !== camel) return `${key} is written ${fieldExample(field)} in a plan`;
  if (field !== undefined && spelt !== '') return `unknown field ${key}${spelt}`;
  return undefined;
}

/** A message of the flag rules, in the plan's words: `--dest-table` becomes `destination.table`. */
export function inPlanWords(message: string): string {
  return message.replace(/--[a-z][a-z-]*[a-z]/g, (flag) => FLAG_FIELDS[flag] ?? flag);
}

function kebabCase(camel: string): string {
  return camel.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

function fieldExample(field: string): string {
  const [side, name] = field.split('.');
  return name === undefined ? field : `${side}: { ${name}: ... }`;
}
