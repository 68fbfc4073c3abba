/**
 * A UI instance in its own process that listens and prints its port (one JSON line), for the
 * key-change test: `node _listener.js HOME NAME USERS_FILE`. It stops when its stdin closes.
 */
import { startFor } from './_fixture.js';

const [dir, name, usersFile] = process.argv.slice(2);
if (dir === undefined || name === undefined || usersFile === undefined) process.exit(2);
const ui = await startFor({ dir, name, password: '', usersFile });
const l = await ui.controller.setListening(true, 0);
process.stdout.write(`${JSON.stringify({ port: l.port })}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  void ui.close().finally(() => process.exit(0));
});
