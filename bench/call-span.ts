// The time span of some SDK calls in a child's trace (trace-hook.ts): from the first matching call sent to the
// last one answered. It times a CLI's work without its process startup (Node boot, module loading, checks).
import { existsSync, readFileSync } from 'node:fs';
import type { TraceFile, TracedCall } from './trace-hook.js';

export interface CallSpan {
  /** Epoch ms. */
  readonly from: number;
  readonly to: number;
  readonly ms: number;
  readonly calls: number;
  /** Items the matching calls carried (BatchWriteItem puts). */
  readonly items: number;
}

export function readTrace(file: string): TraceFile | undefined {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as TraceFile) : undefined;
}

export function callSpan(trace: TraceFile, match: (call: TracedCall) => boolean): CallSpan | undefined {
  const calls = trace.calls.filter(match);
  if (calls.length === 0) return undefined;
  // reduce, not Math.min(...): a trace holds tens of thousands of calls.
  const from = calls.reduce((a, c) => Math.min(a, c[2]), Infinity);
  const to = calls.reduce((a, c) => Math.max(a, c[3]), -Infinity);
  return { from, to, ms: to - from, calls: calls.length, items: calls.reduce((a, c) => a + c[5], 0) };
}

/** Count, total and mean ms per operation over the matching calls: where a CLI's requests spent their time. */
export function opTimes(
  trace: TraceFile,
  match: (call: TracedCall) => boolean = () => true,
): Record<string, { count: number; totalMs: number; meanMs: number }> {
  const out: Record<string, { count: number; totalMs: number; meanMs: number }> = {};
  for (const call of trace.calls.filter(match)) {
    const key = `${call[0]} ${call[1]}`;
    const entry = (out[key] ??= { count: 0, totalMs: 0, meanMs: 0 });
    entry.count += 1;
    entry.totalMs += call[3] - call[2];
  }
  for (const entry of Object.values(out)) {
    entry.totalMs = Math.round(entry.totalMs);
    entry.meanMs = Math.round((entry.totalMs / entry.count) * 10) / 10;
  }
  return out;
}
