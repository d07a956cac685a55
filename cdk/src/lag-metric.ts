// The fleet's lag metric, read from the worker's progress line (src/observability/progress-reporter.ts): the
// message and the field are typed against that code, so a rename there fails this package's compile, and
// test/lag-metric.test.ts runs the real reporter and logger to check the line carries them.
import type { ProgressLine } from '../../src/observability/progress-reporter.js';

/** The log line's `msg`: progress-reporter.ts logs its line as 'progress'. */
export const PROGRESS_MESSAGE = 'progress';
/** The largest lag of the shards the worker holds, in milliseconds (absent while it holds none). */
export const LAG_FIELD = 'maxBehindMs' satisfies keyof ProgressLine;
export const LAG_METRIC = 'MaxBehindMs';
