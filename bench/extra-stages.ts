// The stages after raw/catchup/copy/memory, in the order they run. One import and one entry per stage.
import type { BenchStage } from './stage.js';

export const EXTRA_STAGES: readonly BenchStage[] = [];
