// Every lease timing of a fleet follows from one setting, the failover time: how often leases are renewed and
// looked for, the safety margin, and the deadline of a write request (the fencing bound). Pure.
import type { LeaseTiming } from './shard-lease.js';

export interface FleetTiming extends LeaseTiming {
  readonly renewIntervalMs: number;
  readonly takeIntervalMs: number;
  /** The look interval of a table with nothing for this worker to act on (lease-pace.ts). */
  readonly settledLookIntervalMs: number;
  /** The wait between a starting worker's looks before its first take (start-settle.ts). */
  readonly startSettleMs: number;
  /** How long a free lease dealt to another worker is left to it (free-lease-ages.ts). */
  readonly dealtWaitMs: number;
  /** The deadline of one write request: short enough that it cannot outlive the lease it was sent under. */
  readonly writeRequestTimeoutMs: number;
}

/**
 * All lease timings follow from the failover time (default 10 s): renew every 1/6 of it, look for leases to take
 * every 1/5 (every 1/2 while the table is settled: lease-pace.ts), let a starting worker wait 1/25 between its
 * looks before its first take (400 ms at the default: start-settle.ts), leave a free lease dealt to another worker
 * to it for 1/4 (free-lease-ages.ts), keep a 10 % safety margin, and give each write 30 %. A write then may start up to 60 % of the failover time after the last renewal was sent, which leaves
 * several renewal rounds of slack on a busy machine.
 */
export function leaseTiming(failoverMs: number): FleetTiming {
  return {
    failoverMs,
    safetyMs: Math.round(failoverMs / 10),
    renewIntervalMs: Math.round(failoverMs / 6),
    takeIntervalMs: Math.round(failoverMs / 5),
    settledLookIntervalMs: Math.round(failoverMs / 2),
    startSettleMs: Math.round(failoverMs / 25),
    dealtWaitMs: Math.round(failoverMs / 4),
    writeRequestTimeoutMs: Math.round(failoverMs * 0.3),
  };
}
