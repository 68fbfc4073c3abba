/**
 * Log figures (bench/log-core.ts): durable appends per second and verified entries per second,
 * against the floor of the same disk: a 100-byte line written and fdatasync'd per entry.
 */
import { open, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchLog } from './log-core.js';
import type { Budget } from './budget.js';
import { summarize } from './stats.js';
import type { Figure } from './report.js';

async function rawFsync(dir: string, n: number): Promise<number> {
  const f = await open(join(dir, 'raw.log'), 'a', 0o600);
  try {
    const line = Buffer.from('x'.repeat(99) + '\n');
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      await f.write(line);
      await f.datasync();
    }
    return n / ((performance.now() - t0) / 1000);
  } finally {
    await f.close();
  }
}

export async function logSection(b: Budget): Promise<Figure[]> {
  const dir = await mkdtemp(join(tmpdir(), 'securechat-bench-log-'));
  try {
    const appends: number[] = [];
    const verified: number[] = [];
    const raw: number[] = [];
    for (let r = 0; r < b.logRuns; r++) {
      const x = await benchLog(dir, b.logEntries);
      appends.push(x.appendsPerSecond);
      verified.push(x.verifiedPerSecond);
      raw.push(await rawFsync(dir, b.logEntries));
    }
    const over = `${b.logRuns} runs × ${b.logEntries} entries`;
    return [
      { section: 'log', name: 'durable appends/s, one at a time (record fdatasync; head slot follows)', unit: '1/s', value: summarize(appends), over, higherIsBetter: true, references: [{ name: 'write+fdatasync', value: summarize(raw) }] },
      { section: 'log', name: 'verified entries/s (MAC chain + AEAD open + decode)', unit: '1/s', value: summarize(verified), over, higherIsBetter: true, references: [] },
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
