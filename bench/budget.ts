/** How much each section measures: the full run must finish in under 5 minutes on 2 cores. */
export interface Budget {
  readonly quick: boolean;
  /** Sequential handshakes over TCP with the default KSF (about 0.5 s each). */
  readonly hsDefault: number;
  /** Sequential handshakes over TCP with KSF_TEST, and for each reference. */
  readonly hsSequential: number;
  /** Handshake throughput: runs per (target, concurrency), and each run's length. */
  readonly tpRuns: number;
  readonly tpMs: number;
  readonly concurrency: readonly number[];
  /** Round trips: runs × messages per run. */
  readonly rttRuns: number;
  readonly rttCount: number;
  /** Bulk: runs per (target, size), and bytes sent per run for each size. */
  readonly bulkRuns: number;
  readonly bulkBytes: (size: number) => number;
  /** Idle sessions held open by the scale test. */
  readonly sessions: number;
  readonly coldStarts: number;
  readonly logRuns: number;
  readonly logEntries: number;
  /** Durable path: runs, messages per run back to back, messages per run with 16 in flight. */
  readonly durableRuns: number;
  readonly durableSerial: number;
  readonly durableInFlight: number;
}

export const FULL: Budget = {
  quick: false,
  hsDefault: 5,
  hsSequential: 100,
  tpRuns: 3,
  tpMs: 1_200,
  concurrency: [1, 16, 64],
  rttRuns: 5,
  rttCount: 1_000,
  bulkRuns: 3,
  bulkBytes: (size) => (size <= 1024 ? 8 : 32) * 1024 * 1024,
  sessions: 10_000,
  coldStarts: 5,
  logRuns: 3,
  logEntries: 200,
  durableRuns: 3,
  durableSerial: 300,
  durableInFlight: 2_000,
};

export const QUICK: Budget = {
  quick: true,
  hsDefault: 2,
  hsSequential: 20,
  tpRuns: 1,
  tpMs: 400,
  concurrency: [1, 16, 64],
  rttRuns: 2,
  rttCount: 200,
  bulkRuns: 1,
  bulkBytes: (size) => (size <= 1024 ? 1 : 4) * 1024 * 1024,
  sessions: 1_000,
  coldStarts: 2,
  logRuns: 1,
  logEntries: 30,
  durableRuns: 1,
  durableSerial: 50,
  durableInFlight: 300,
};
