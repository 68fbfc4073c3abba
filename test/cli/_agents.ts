/**
 * Agents started by the commands under test run detached (as they do for users): at the end
 * of a test file, each one in a temporary home is stopped by the pid in its own lock file.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The pids in `agent.lock` files in `dir` and the directories directly below it. */
export function agentPids(dir: string): number[] {
  const out: number[] = [];
  const look = (d: string): void => {
    const f = join(d, 'agent.lock');
    if (!existsSync(f)) return;
    const s = readFileSync(f, 'utf8').trim();
    if (/^\d+$/.test(s)) out.push(Number(s));
  };
  if (!existsSync(dir)) return out;
  look(dir);
  for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) look(join(dir, e.name));
  return out;
}

/** Kills (SIGKILL) the agents whose lock files are in `dir` or one level below. */
export function killAgents(dir: string): void {
  for (const pid of agentPids(dir)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
