/**
 * Where the agent of a home lives (docs/AGENT-API.md §2), all inside the 0700 home:
 *
 *   <home>/agent.sock   the Unix socket clients connect to
 *   <home>/agent.lock   the pid of the one running agent (created atomically; see src/log/lock.ts)
 *   <home>/agent.log    0600, what the agent says after it went to the background
 *   <home>/agent.start  the pid of the one command starting the agent (held while it starts)
 */
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { errnoCode } from '../fs/private-files.js';

export interface AgentPaths {
  readonly home: string;
  readonly socket: string;
  readonly lock: string;
  readonly log: string;
  readonly start: string;
}

export function agentPaths(home: string): AgentPaths {
  return { home, socket: join(home, 'agent.sock'), lock: join(home, 'agent.lock'), log: join(home, 'agent.log'), start: join(home, 'agent.start') };
}

/** The pid in the agent's lock file, or undefined (no file, or not a pid). */
export function lockOwner(paths: AgentPaths): Promise<number | undefined> {
  return readLockPid(paths.lock);
}

/** The pid in a lock file (src/log/lock.ts), or undefined (no file, or not a pid). */
export async function readLockPid(path: string): Promise<number | undefined> {
  try {
    const s = (await fsp.readFile(path, 'utf8')).trim();
    return /^\d{1,10}$/.test(s) ? Number(s) : undefined;
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return undefined;
    throw e;
  }
}

/** Whether a process with this pid exists on this host. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errnoCode(e) === 'EPERM';
  }
}
