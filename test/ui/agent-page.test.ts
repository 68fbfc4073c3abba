/**
 * The terminal and the page of one user in one conversation, both directions (issue 11), with
 * the built CLI and Debian's Chromium: bob listens (his agent); alice runs `chat --to bob` in
 * a terminal, then `securechat ui`, which asks her agent for the page and prints a one-time
 * link. The page shows the terminal's conversation; a line typed in the terminal appears in
 * the page, one typed in the page appears in the terminal, bob's reply in both. The narrow
 * layout (390 px) shows the newest message. When the terminal leaves, clicking bob in the page
 * reconnects by keys (a contact since the password login: no password asked) and shows the
 * earlier messages as history. The printed link opens the page again in the same browser; a
 * second browser gets a fresh link from `securechat ui`. Agents are stopped by PID (harness).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { cleanup, freePort, jsonLines, run, start, startListener, tempDir, writeUsers } from '../cli/_harness.js';
import { launch, prepare, ROOT } from './_fixture.js';

let browser: Browser;

before(async () => {
  prepare();
  browser = await launch();
}, { timeout: 20 * 60_000 });

after(async () => {
  await browser?.close();
  await cleanup();
});

/** `securechat ui --no-open --json` for `home`: the one-time link it printed. */
async function uiLink(home: string, users: string): Promise<string> {
  const r = await run(['ui', '--as', 'alice', '--users', users, '--no-open', '--json'], { home });
  assert.equal(r.code, 0, r.stderr);
  const e = jsonLines(r.stdout).find((x) => x['event'] === 'ui');
  assert.ok(e !== undefined && typeof e['url'] === 'string', `no ui event in ${r.stdout}`);
  return e['url'];
}

async function say(page: Page, text: string): Promise<void> {
  await page.locator('#composer-text').fill(text);
  await page.locator('#composer-text').press('Enter');
}

test('terminal and page of one user in one conversation, both directions', { timeout: 10 * 60_000 }, async () => {
  const dir = await tempDir();
  const port = await freePort();
  const users = await writeUsers(dir, [{ username: 'bob', password: 'pw-bob', port }]);
  const aliceHome = join(dir, 'alice');
  const bob = await startListener(['--as', 'bob', '--users', users], { home: join(dir, 'bob') });

  // The terminal: alice chats with bob through her agent (started by this command).
  const terminal = start(['chat', '--to', 'bob', '--as', 'alice', '--users', users], { home: aliceHome, input: 'pw-bob\n', keepOpen: true });
  await terminal.waitFor(/talking to bob/, 'stderr', 120_000);

  // The page of the same agent.
  const url = await uiLink(aliceHome, users);
  const context = await browser.newContext({ viewport: { width: 1100, height: 720 } });
  const page = await context.newPage();
  page.setDefaultTimeout(60_000);
  await page.goto(url);
  await page.locator('#me').filter({ hasText: 'You are alice' }).waitFor();
  assert.equal(new URL(page.url()).hash, '', 'the token left the address bar');
  await page.locator('#conv-title', { hasText: 'bob' }).waitFor();

  // Terminal → page (and bob).
  terminal.write('typed in the terminal\n');
  await page.locator('.msg.out .bubble', { hasText: 'typed in the terminal' }).waitFor();
  await bob.waitFor(/alice: typed in the terminal$/m, 'stdout');
  await page.locator('.msg.out .ticks.delivered').first().waitFor();

  // Page → terminal (and bob).
  await say(page, 'typed in the page');
  await bob.waitFor(/alice: typed in the page$/m, 'stdout');
  await terminal.waitFor(/you → bob: typed in the page$/m, 'stdout');
  await page.locator('.msg.out .ticks.delivered').nth(1).waitFor();

  // bob's reply reaches both.
  bob.write('reply from bob\n');
  await terminal.waitFor(/bob: reply from bob$/m, 'stdout');
  await page.locator('.msg.in .bubble', { hasText: 'reply from bob' }).waitFor();

  // The narrow layout: one column, the messages first, scrolled to the newest.
  await page.setViewportSize({ width: 390, height: 780 });
  for (let i = 1; i <= 12; i++) terminal.write(`line ${i}\n`);
  const newest = page.locator('.msg.out .bubble', { hasText: 'line 12' });
  await newest.waitFor();
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), 'nothing wider than the screen');
  // The newest message is on screen and nothing covers it (what is drawn at its centre is it).
  await page.waitForFunction(() => {
    const last = document.querySelector('#messages')?.lastElementChild;
    if (!(last instanceof HTMLElement)) return false;
    const r = last.getBoundingClientRect();
    if (r.top < 0 || r.bottom > window.innerHeight) return false;
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    return hit !== null && last.contains(hit);
  }, undefined, { timeout: 60_000 });
  // The message box is on screen too.
  const box = await page.locator('#composer-text').boundingBox();
  assert.ok(box !== null && box.y + box.height <= 780, 'the message box is on screen');
  mkdirSync(join(ROOT, 'test-artifacts'), { recursive: true });
  await page.screenshot({ path: join(ROOT, 'test-artifacts/ui-agent-narrow.png') });
  await page.setViewportSize({ width: 1100, height: 720 });

  // The terminal leaves; the page sees the conversation end.
  terminal.write('/quit\n');
  assert.equal((await terminal.exited).code, 0, terminal.stderr);
  await page.locator('#messages .sys', { hasText: /closed the conversation/ }).waitFor();

  // bob is a contact now: clicking him reconnects by keys, no password; the earlier messages show as history.
  await page.locator('#contacts .contact-main', { hasText: 'bob' }).filter({ hasText: 'contact · by password' }).click();
  await page.locator('#conv-sub', { hasText: 'End-to-end encrypted' }).waitFor();
  assert.equal(await page.locator('#password-dialog').getAttribute('open'), null, 'no password asked');
  await page.locator('.msg.history .bubble', { hasText: 'typed in the page' }).waitFor();
  await page.locator('.msg.history .bubble', { hasText: 'reply from bob' }).waitFor();
  await say(page, 'after the reconnect');
  await bob.waitFor(/alice: after the reconnect$/m, 'stdout');

  // The printed link again, in the same browser: the page (its session), not a dead end.
  await page.goto(url);
  await page.locator('#me').filter({ hasText: 'You are alice' }).waitFor();
  // Another browser: the used link is refused with what to do; a fresh one from `securechat ui` works.
  const other = await browser.newContext();
  const page2 = await other.newPage();
  page2.setDefaultTimeout(60_000);
  await page2.goto(url);
  await page2.locator('#notice', { hasText: 'used already' }).waitFor();
  await page2.locator('#me', { hasText: 'Not signed in' }).waitFor();
  await page2.goto(await uiLink(aliceHome, users));
  await page2.locator('#me').filter({ hasText: 'You are alice' }).waitFor();
  await page2.locator('#conv-title', { hasText: 'bob' }).waitFor();
  await other.close();
  await context.close();

  bob.kill('SIGINT');
  await bob.exited;
  const stopped = await run(['agent', 'stop'], { home: aliceHome });
  assert.equal(stopped.code, 0, stopped.stderr);
});
