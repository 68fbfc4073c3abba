/**
 * Accepting an invitation from the page logs that conversation (its start and end) in the
 * user's log, as any other: the page's accept runs through the messenger, the only writer of
 * the log. Before the fix, alice's log had no entry for it. In process, two pages (no browser).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { KSF_TEST } from '../../src/crypto/opaque.js';
import { userPaths } from '../../src/identity/index.js';
import { logShow } from '../../src/log/commands.js';
import { PageActions } from '../../src/ui/keys.js';
import type { RunningUi } from '../../src/ui/start.js';
import { makeHome, removeHomes, startFor } from './_fixture.js';

const running: RunningUi[] = [];
after(async () => {
  await Promise.allSettled(running.map((u) => u.close()));
  await removeHomes();
});

test('accepting an invitation in the page writes the conversation to the log', { timeout: 120_000 }, async () => {
  const alice = await makeHome('alice');
  const bob = await makeHome('bob');
  const a = await startFor(alice);
  const b = await startFor(bob);
  running.push(a, b);
  await b.controller.setListening(true, 0);
  const inv = await new PageActions(b.controller, KSF_TEST).invite();
  assert.deepEqual(await new PageActions(a.controller, KSF_TEST).accept(inv.invitation), { contact: 'bob' });
  const log = await logShow({ userDir: userPaths(alice.dir, 'alice').dir, peer: 'bob' });
  assert.equal(log.exitCode, 0, log.lines.join('\n'));
  assert.match(log.lines.join('\n'), /conversation with bob started \(key [0-9a-f]+, [a-z-]+, 127\.0\.0\.1:\d+\)[\s\S]*conversation with bob ended/);
  // The page lists no conversation for it: it was over at once.
  assert.deepEqual((await a.controller.state()).conversations, []);
});
