// A child's 'exit' event can come before its piped stdout/stderr have been read to the end (the last lines may
// still sit in the pipe), so a test that reads a one-line error right after 'exit' sometimes finds nothing.
// 'close' comes after both; the grace bounds the wait should a grandchild still hold a pipe open.
import type { ChildProcess } from 'node:child_process';

export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** Resolves once the child has exited and its pipes are drained, or `graceMs` after the exit at the latest. */
export function exitWithOutput(child: ChildProcess, graceMs = 5_000): Promise<ChildExit> {
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    child.once('exit', (code, signal) => {
      timer = setTimeout(() => resolve({ code, signal }), graceMs);
    });
    child.once('close', (code: number | null, signal: NodeJS.Signals | null) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
}
