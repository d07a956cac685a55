// Pure: a lag or age for people: milliseconds below a second, tenths of seconds below a minute, then m:ss or
// h:mm:ss (a lag of hours is a fact to read at a glance, not to count in seconds).
import { formatDuration } from './progress-bar.js';

export function lagText(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 59_950) return `${(ms / 1000).toFixed(1)} s`;
  return formatDuration(ms);
}
