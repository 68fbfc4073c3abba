/**
 * `securechat send` as the shipped entry runs it (src/cli/main.ts): the send command and the
 * command runner, statically, nothing else. `npm run build` bundles this file's import graph
 * into one file, dist/src/cli/send-fast.bundle.js (scripts/build-cli.mjs), so a cold `send`
 * that only asks the agent loads two modules instead of ~35: most of a cold send's CPU was
 * Node resolving, reading and compiling them (docs/PERFORMANCE.md, issue 12).
 *
 * Only `send` takes this path, because a bundle has its own copy of every module it holds:
 * a module loaded beside it (another command, the legacy bridge) would throw errors of
 * another `SecureChatError` class than the one the runner's `explain` checks for. Every other
 * command, and `send --legacy`, runs from the unbundled modules (src/cli/run.ts `main`).
 */
import { KSF_DEFAULT } from '../crypto/ksf.js';
import { runOne } from './run.js';
import { sendCommand } from './commands/send.js';

/** Runs `securechat send ARGS` (the arguments after the command name). */
export function sendMain(args: readonly string[]): Promise<void> {
  return runOne(sendCommand, args, { ksf: KSF_DEFAULT });
}
