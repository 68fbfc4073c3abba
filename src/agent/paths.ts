/**
 * Where the agent of a home lives (docs/AGENT-API.md §2), all inside the 0700 home:
 *
 *   <home>/agent.sock   the Unix socket clients connect to
 *   <home>/agent.lock   the pid of the one running agent (created atomically; see src/fs/lock.ts)
 *   <home>/agent.log    0600, what the agent says after it went to the background
 *   <home>/agent.start  the pid of the one command starting the agent (held while it starts)
 */
import { join } from 'node:path';
import { processAlive, readPid } from '../fs/lock.js';

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
  return readPid(paths.lock);
}

export { processAlive };
