/**
 * The page's group view (docs/UI.md "Groups") with the built CLI and Debian's Chromium: alice
 * and bob listen (their agents); alice logs in to bob once, creates the group `team` and adds
 * bob from the terminal. alice's page (`securechat ui`) lists the group with its epoch and its
 * members with their key state; a message typed in the page reaches bob's terminal, and one bob
 * sends from the CLI shows in the page. Every wait is for a line or an element, bounded.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { cleanup, freePort, jsonLines, run, startListener, tempDir, writeUsers } from '../cli/_harness.js';
import { launch, prepare, ROOT } from './_fixture.js';

let browser: Browser;
const WAIT = 120_000;

before(async () => {
  prepare();
  browser = await launch();
}, { timeout: 20 * 60_000 });

after(async () => {
  await browser?.close();
  await cleanup();
});

test('a group message typed in the page reaches a CLI member, and one from the CLI shows in the page', { timeout: 10 * 60_000 }, async () => {
  const dir = await tempDir();
  const homes = { alice: join(dir, 'a'), bob: join(dir, 'b') };
  const users = await writeUsers(dir, [
    { username: 'alice', password: 'pw-alice', port: await freePort() },
    { username: 'bob', password: 'pw-bob', port: await freePort() },
  ]);
  const as = (who: keyof typeof homes, args: string[], input = ''): ReturnType<typeof run> => run([...args, '--as', who, '--users', users], { home: homes[who], input });
  const alice = await startListener(['--as', 'alice', '--users', users], { home: homes.alice });
  const bob = await startListener(['--as', 'bob', '--users', users], { home: homes.bob });
  const hello = await as('alice', ['send', '--to', 'bob', '--message', 'hello bob'], 'pw-bob\n');
  assert.equal(hello.code, 0, hello.stderr);
  assert.equal((await as('alice', ['group', 'create', 'team'])).code, 0);
  const added = await as('alice', ['group', 'add', 'team', 'bob']);
  assert.equal(added.code, 0, added.stderr);
  await bob.waitFor(/alice added you to the group team/, 'stderr', WAIT);

  const ui = await as('alice', ['ui', '--no-open', '--json']);
  assert.equal(ui.code, 0, ui.stderr);
  const url = jsonLines(ui.stdout).find((x) => x['event'] === 'ui')?.['url'];
  assert.ok(typeof url === 'string', `no ui event in ${ui.stdout}`);
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(60_000);
  await page.goto(url);
  await page.locator('#me').filter({ hasText: 'You are alice' }).waitFor();

  // The group, its epoch, its members with their key state.
  await page.locator('#groups [data-group="team"]').waitFor();
  await page.locator('#group-title', { hasText: 'team' }).waitFor();
  await page.locator('#group-sub[data-epoch="1"]').waitFor();
  assert.equal(await page.locator('#group-members [data-member="alice"]').getAttribute('data-key-state'), 'you');
  assert.equal(await page.locator('#group-members [data-member="bob"]').getAttribute('data-key-state'), 'pinned');

  // Page → bob's terminal.
  await page.locator('#group-text').fill('typed in the page');
  await page.locator('#group-text').press('Enter');
  await bob.waitFor(/alice in team: typed in the page$/m, 'stdout', WAIT);
  await page.locator('#group-messages li.out', { hasText: 'typed in the page' }).waitFor();

  // bob's CLI → the page.
  const sent = await as('bob', ['group', 'send', 'team', '--message', 'from bob in the terminal']);
  assert.equal(sent.code, 0, sent.stderr);
  await page.locator('#group-messages li.in[data-from="bob"]', { hasText: 'from bob in the terminal' }).waitFor();
  await alice.waitFor(/bob in team: from bob in the terminal$/m, 'stdout', WAIT);
  assert.equal(await page.locator('#group-messages li', { hasText: 'from bob in the terminal' }).count(), 1, 'shown once');

  // Bad input to the group API: one code and one sentence, nothing sent.
  const answers = await page.evaluate(async () => {
    // The page's own session (sessionStorage, sent as a header: docs/UI.md).
    const auth = `Bearer ${sessionStorage.getItem('securechat-session') ?? ''}`;
    const post = async (body: unknown): Promise<unknown> => (await fetch('/api/groups/send', { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: auth }, body: JSON.stringify(body) })).json();
    return [await post({ group: 'nope', text: 'x' }), await post({ group: '../team', text: 'x' }), await post({ group: 'team' })];
  });
  assert.deepEqual(answers.map((a) => (a as { error: { code: string } }).error.code), ['GROUP_UNKNOWN', 'BAD_REQUEST', 'BAD_REQUEST']);
  mkdirSync(join(ROOT, 'test-artifacts'), { recursive: true });
  await page.screenshot({ path: join(ROOT, 'test-artifacts/ui-groups.png'), fullPage: true });
  await context.close();
  alice.kill('SIGINT');
  bob.kill('SIGINT');
  await Promise.all([alice.exited, bob.exited]);
  for (const h of Object.values(homes)) await run(['agent', 'stop'], { home: h });
});
