/**
 * Many commands that find no agent at once start one agent, not one each (the start lock,
 * docs/AGENT-API.md §2). Before the start lock, 50 concurrent `send`s spawned 50 agents that
 * raced for the agent lock; on a loaded 2-core machine that herd could outlast the start wait.
 */
import { after, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AgentClient, type AgentCommand } from '../../src/agent/client.js';
import { acquireLock } from '../../src/log/lock.js';
import { cleanup, run, start, tempDir } from '../cli/_harness.js';

after(cleanup);

const ENTRY = fileURLToPath(new URL('./_counting-main.js', import.meta.url));
const CLIENTS = 20;

function countingCommand(home: string, counter: string): AgentCommand {
  return { execPath: process.execPath, args: [ENTRY, counter, 'agent', 'run', '--home', home, '--json'] };
}

/** A fresh home (not created yet unless `create`) and the file that counts agent starts. */
async function fresh(create = false): Promise<{ home: string; counter: string }> {
  const dir = await tempDir();
  const home = join(dir, 'home');
  if (create) await mkdir(home, { recursive: true, mode: 0o700 });
  return { home, counter: join(dir, 'spawned') };
}

async function stopAgent(home: string): Promise<void> {
  const stop = await run(['agent', 'stop'], { home });
  assert.equal(stop.code, 0, stop.stderr);
}

function spawned(counter: string): number {
  try {
    return readFileSync(counter, 'utf8').split('\n').filter((l) => l !== '').length;
  } catch {
    return 0;
  }
}

it(`${CLIENTS} clients connecting at once to a home with no agent start exactly one agent, and all reach it`, { timeout: 180_000 }, async () => {
  const { home, counter } = await fresh();
  const clients = await Promise.all(Array.from({ length: CLIENTS }, () => AgentClient.connect(home, countingCommand(home, counter))));
  try {
    assert.equal(spawned(counter), 1, 'one agent process was started');
    const pids = await Promise.all(clients.map(async (c) => ((await c.call('status', {})) as Record<string, unknown>)['pid']));
    assert.equal(new Set(pids).size, 1, `every client talks to the same agent: ${pids.join(',')}`);
  } finally {
    for (const c of clients) c.close();
    await stopAgent(home);
  }
});

it('a start lock left by a command that died (its pid is gone) is broken, and the agent starts', { timeout: 120_000 }, async () => {
  const { home, counter } = await fresh(true);
  // A start lock naming a pid that does not exist: the process that held it was kill -9ed.
  await writeFile(join(home, 'agent.start'), '2147483646\n', { mode: 0o600 });
  const c = await AgentClient.connect(home, countingCommand(home, counter));
  try {
    assert.equal(spawned(counter), 1);
  } finally {
    c.close();
    await stopAgent(home);
  }
});

it('while another live process holds the start lock, a client waits for the agent instead of starting one', { timeout: 120_000 }, async () => {
  const { home, counter } = await fresh(true);
  const held = await acquireLock(join(home, 'agent.start')); // this test process is "starting" it
  try {
    const waiting = AgentClient.connect(home, countingCommand(home, counter));
    // The start-lock holder's agent comes up (started here by hand, not by the waiting client).
    const agent = start(['agent', 'run', '--json'], { home });
    await agent.waitFor(/"state":"ready"/, 'stdout');
    const c = await waiting;
    c.close();
    assert.equal(spawned(counter), 0, 'the waiting client started no agent of its own');
    await stopAgent(home);
    assert.equal((await agent.exited).code, 0);
  } finally {
    await held.release();
  }
});
