/**
 * kill -9 at random moments: a child process appends and prints each acknowledged (durable)
 * index; the parent kills it with SIGKILL after a random delay, then checks that every index
 * ever acknowledged is in the verified prefix, with the text that was acknowledged. A torn tail
 * is repaired explicitly before the next round (as a user would). 15 rounds, bounded; no
 * timing is asserted.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { logPaths, repairLog, verifyLogFile } from '../../src/log/file.js';
import { deterministicRandom } from '../../src/crypto/random.js';
import { cleanup, SECRET, tempDir } from './_helpers.js';

const ROUNDS = 15;
const writer = fileURLToPath(new URL('./_writer.js', import.meta.url));
let dir: string;

before(async () => {
  dir = await tempDir();
});
after(() => cleanup(dir));

/** Runs one child until killed; returns the complete lines it printed. */
function round(tag: string, delayMs: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, [writer, dir, tag], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    let armed = false;
    c.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!armed && out.includes('\n')) {
        armed = true; // the log is open: kill at a random moment from now on
        setTimeout(() => c.kill('SIGKILL'), delayMs);
      }
    });
    c.on('error', reject);
    c.on('exit', () => {
      // only lines that arrived whole were acknowledged
      const lines = out.split('\n');
      lines.pop();
      resolve(lines);
    });
  });
}

test('kill -9 at random moments: every acknowledged entry is in the verified prefix', async () => {
  const rnd = deterministicRandom(`kill-${process.pid}`);
  const paths = logPaths(dir);
  const acked = new Map<number, string>();
  const outcomes: string[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const delay = (rnd(1)[0] ?? 0) % 60;
    const lines = await round(`r${r}`, delay);
    for (const l of lines) {
      assert.doesNotMatch(l, /^ERR/, `round ${r}: the writer could not open the log: ${l}`);
      const [idx, text] = l.split(' ');
      acked.set(Number(idx), text ?? '');
    }
    const v = await verifyLogFile({ paths, secret: SECRET, keepEntries: true });
    outcomes.push(v.ok ? 'ok' : v.problem.kind);
    if (!v.ok) assert.equal(v.problem.kind, 'torn-tail', `round ${r}: ${v.problem.kind} at ${v.problem.index}: ${v.problem.detail}`);
    const byIndex = new Map(v.entries.map((e) => [e.index, e.event]));
    for (const [idx, text] of acked) {
      assert.ok(idx < v.records, `round ${r}: acknowledged entry ${idx} beyond the verified prefix (${v.records})`);
      const e = byIndex.get(idx);
      assert.ok(e !== undefined && e.kind === 'message-received' && e.text === text, `round ${r}: entry ${idx} is not what was acknowledged`);
    }
    if (!v.ok) await repairLog({ paths, secret: SECRET, now: 1_800_000_000_000 + r });
  }
  assert.ok(acked.size > 0);
  const final = await verifyLogFile({ paths, secret: SECRET });
  assert.equal(final.ok, true);
  // For the record (not asserted): what the kills left behind.
  process.stderr.write(`# kill test: ${acked.size} acknowledged entries over ${ROUNDS} kills; after each kill: ${outcomes.join(', ')}\n`);
});
