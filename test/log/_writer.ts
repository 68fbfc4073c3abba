/**
 * Child process for the kill -9 test: opens the log in argv[2] (a user directory) and appends
 * messages forever, printing "<index> <text>" on stdout after each append has resolved (that
 * is, after it is durable). Prints "ERR <code>" and exits 3 when the log cannot be opened.
 */
import { isSecureChatError } from '../../src/errors.js';
import { EventKind } from '../../src/log/event.js';
import { LogWriter, logPaths } from '../../src/log/file.js';
import { SECRET } from './_helpers.js';

const userDir = process.argv[2];
const tag = process.argv[3] ?? 'run';
if (userDir === undefined || userDir === '') {
  // Not a test: only kill.test.ts and file.test.ts spawn this, with a directory.
  process.exit(0);
}
let w: LogWriter;
try {
  w = await LogWriter.open({ paths: logPaths(userDir), secret: SECRET, checkpointEvery: 3 });
} catch (e) {
  process.stdout.write(`ERR ${isSecureChatError(e) ? e.code : String(e)}\n`);
  process.exit(3);
}
for (let i = 0; ; i++) {
  const text = `${tag}-${i}`;
  const index = await w.append({ kind: EventKind.MESSAGE_RECEIVED, at: 1_780_000_000_000 + i, peer: 'alice', text });
  process.stdout.write(`${index} ${text}\n`);
}
