// The stages after raw/catchup/copy/memory, in the order they run. One import and one entry per stage.
import { FAILOVER_STAGE } from './failover.js';
import { LAG_STAGE } from './lag.js';
import { LAMBDA_STAGE } from './lambda.js';
import { PLAN_STAGE } from './plan.js';
import { RULES_STAGE } from './rules.js';
import { SHARDS_STAGE } from './shards.js';
import { SPOOL_STAGE } from './spool-copy.js';
import type { BenchStage } from './stage.js';
import { TABLE_COPY_STAGE } from './table-copy.js';
import { THOUSAND_SHARDS_STAGE } from './thousand-shards.js';
import { TWOWAY_STAGE } from './twoway.js';
import { VERIFY_STAGE } from './verify-speed.js';

export const EXTRA_STAGES: readonly BenchStage[] = [
  SHARDS_STAGE,
  TABLE_COPY_STAGE,
  VERIFY_STAGE,
  LAG_STAGE,
  FAILOVER_STAGE,
  PLAN_STAGE,
  RULES_STAGE,
  THOUSAND_SHARDS_STAGE,
  LAMBDA_STAGE,
  SPOOL_STAGE,
  TWOWAY_STAGE,
];
