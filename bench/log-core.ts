/**
 * `benchLog(dir, n)`: appends per second, one at a time (each durable: record fdatasync'd, as
 * acknowledgement requires; the head slot's write and fdatasync follow, log format 2; the
 * time includes the close, which waits for the last head) and verified entries per second
 * (MAC chain + AEAD open + event decode). Called by `npm run bench`; timing is never asserted.
 */
import { performance } from 'node:perf_hooks';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { systemRandom } from '../src/crypto/random.js';
import { wipe } from '../src/crypto/bytes.js';
import { EventKind } from '../src/log/event.js';
import { LogWriter, logPaths, verifyLogFile } from '../src/log/file.js';
import { LOG_SECRET_BYTES } from '../src/log/keys.js';

export interface LogBenchResult {
  readonly n: number;
  readonly appendsPerSecond: number;
  readonly verifiedPerSecond: number;
  readonly fileBytes: number;
}

/** Writes `n` 100-character messages to a fresh log under `dir`, then verifies it. */
export async function benchLog(dir: string, n: number): Promise<LogBenchResult> {
  const userDir = await fsp.mkdtemp(join(dir, 'securechat-logbench-'));
  const secret = systemRandom(LOG_SECRET_BYTES);
  try {
    const paths = logPaths(userDir);
    const w = await LogWriter.open({ paths, secret });
    const text = 'x'.repeat(100);
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await w.append({ kind: EventKind.MESSAGE_RECEIVED, at: 1_700_000_000_000 + i, peer: 'bench', text });
    await w.close();
    const t1 = performance.now();
    const t2 = performance.now();
    const v = await verifyLogFile({ paths, secret });
    const t3 = performance.now();
    if (!v.ok) throw new Error(`benchmark log does not verify: ${v.problem.kind}`);
    const st = await fsp.stat(paths.file);
    return { n, appendsPerSecond: n / ((t1 - t0) / 1000), verifiedPerSecond: v.records / ((t3 - t2) / 1000), fileBytes: st.size };
  } finally {
    wipe(secret);
    await fsp.rm(userDir, { recursive: true, force: true });
  }
}
