/**
 * The page in a real browser (Debian's Chromium via playwright-core): two UI instances with
 * two homes chat in both directions with delivery receipts; a wrong password shows the error;
 * a changed key shows the blocking warning, and trusting it after checking reconnects the
 * conversation by itself. Keeps a screenshot of the conversation view in test-artifacts/.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { RunningUi } from '../../src/ui/start.js';
import { launch, makeHome, prepare, removeHomes, ROOT, startFor, writeUsers, type Home } from './_fixture.js';

let browser: Browser;
const running: RunningUi[] = [];
const children: ChildProcess[] = [];

before(async () => {
  prepare();
  browser = await launch();
}, { timeout: 20 * 60_000 });

after(async () => {
  await browser?.close();
  for (const c of children) {
    c.stdin?.end();
    if (c.exitCode === null) c.kill();
  }
  await Promise.allSettled(running.map((u) => u.close()));
  await removeHomes();
});

async function open(h: Home): Promise<{ ui: RunningUi; page: Page }> {
  const ui = await startFor(h);
  running.push(ui);
  const context = await browser.newContext({ viewport: { width: 1100, height: 720 } });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  await page.goto(ui.server.url);
  await page.locator('#me').filter({ hasText: `You are ${h.name}` }).waitFor();
  // The token was exchanged for the session: the address bar no longer carries it.
  assert.equal(new URL(page.url()).hash, '');
  assert.equal(new URL(page.url()).search, '');
  assert.deepEqual(await page.context().cookies(), [], 'no cookie: it would reach every port of 127.0.0.1');
  return { ui, page };
}

async function listenOn(page: Page): Promise<number> {
  await page.locator('#listen-toggle').click();
  const status = page.locator('#listen-status').filter({ hasText: /listening on 127\.0\.0\.1:\d+/ });
  await status.waitFor();
  const m = /:(\d+)$/.exec((await status.textContent()) ?? '');
  assert.ok(m !== null);
  return Number(m[1]);
}

/** A listening UI for `h` in a child process (see _listener.ts); returns its port. */
async function listenInChild(h: Home): Promise<number> {
  const child = spawn(process.execPath, [join(ROOT, 'dist/test/ui/_listener.js'), h.dir, h.name, h.usersFile], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  children.push(child);
  const line = await new Promise<string>((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (c: Buffer) => {
      buf += c.toString('utf8');
      if (buf.includes('\n')) resolve(buf.slice(0, buf.indexOf('\n')));
    });
    child.on('exit', (code) => reject(new Error(`the listener process ended (${String(code)})`)));
  });
  return (JSON.parse(line) as { port: number }).port;
}

async function connectWith(page: Page, password: string): Promise<void> {
  await page.locator('#password-dialog[open]').waitFor();
  await page.locator('#pw-input').fill(password);
  await page.locator('#pw-input').press('Enter');
}

async function say(page: Page, text: string): Promise<void> {
  await page.locator('#composer-text').fill(text);
  await page.locator('#composer-text').press('Enter');
}

test('two UIs: connect from the users file, chat both ways with receipts, log verifies; wrong password; changed key', { timeout: 5 * 60_000 }, async () => {
  const alice = await makeHome('alice');
  const bob = await makeHome('bob');
  const a = await open(alice);
  const port = await listenOn(a.page);
  await writeUsers(bob, [
    { username: 'alice', ip: '127.0.0.1', port },
    { username: 'carol', ip: '127.0.0.1', port: 9 },
  ]);
  const b = await open(bob);

  // Contacts come from the users file; alice is not met yet.
  const aliceContact = b.page.locator('#contacts .contact-main', { hasText: 'alice' });
  await aliceContact.filter({ hasText: 'not met yet' }).waitFor();

  // A wrong password: the dialog stays open with the error sentence.
  await aliceContact.click();
  await connectWith(b.page, 'not-the-password');
  const err = b.page.locator('#pw-error');
  await err.filter({ hasText: /authentication failed/i }).waitFor();
  assert.match((await err.textContent()) ?? '', /password/);
  assert.equal(await b.page.locator('#password-dialog').getAttribute('open'), '');

  // The right password: the conversation opens.
  await b.page.locator('#pw-input').fill(alice.password);
  await b.page.locator('#pw-input').press('Enter');
  await b.page.locator('#conv-title', { hasText: 'alice' }).waitFor();
  assert.equal(await b.page.locator('#password-dialog').getAttribute('open'), null);
  // Alice sees the incoming conversation.
  await a.page.locator('#conv-title', { hasText: 'bob' }).waitFor();

  // Bob → Alice, with the receipt (✓✓) coming back.
  await say(b.page, 'Hello Alice! Ça va? <b>not bold</b>');
  await a.page.locator('.msg.in .bubble', { hasText: 'Hello Alice! Ça va? <b>not bold</b>' }).waitFor();
  await b.page.locator('.msg.out .ticks.delivered').first().waitFor();
  // Alice → Bob.
  await say(a.page, 'Hi Bob, I read you loud and clear.');
  await b.page.locator('.msg.in .bubble', { hasText: 'Hi Bob, I read you loud and clear.' }).waitFor();
  await a.page.locator('.msg.out .ticks.delivered').first().waitFor();
  await say(b.page, 'Shall we compare safety numbers later?');
  await a.page.locator('.msg.in .bubble', { hasText: 'Shall we compare safety numbers later?' }).waitFor();
  await b.page.locator('.msg.out .ticks.delivered').nth(1).waitFor();
  // Text from the peer is text, never markup.
  assert.equal(await a.page.locator('.msg.in .bubble b').count(), 0);

  mkdirSync(join(ROOT, 'test-artifacts'), { recursive: true });
  await b.page.screenshot({ path: join(ROOT, 'test-artifacts/ui-conversation.png') });
  // A narrow window: one column, nothing wider than the screen.
  await a.page.setViewportSize({ width: 380, height: 760 });
  assert.ok(await a.page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1));
  await a.page.screenshot({ path: join(ROOT, 'test-artifacts/ui-narrow.png') });
  // Keyboard: Tab from the message box reaches the Send button.
  await a.page.locator('#composer-text').focus();
  await a.page.keyboard.press('Tab');
  assert.equal(await a.page.evaluate(() => document.activeElement?.id), 'composer-send');

  // The safety number: both sides see the same digits; Bob marks Alice's key verified.
  await b.page.locator('#conv-verify').click();
  await b.page.locator('#verify-dialog[open]').waitFor();
  const digitsB = await b.page.locator('#verify-digits').textContent();
  assert.equal(await b.page.locator('#verify-qr svg path').count(), 1);
  await a.page.locator('#conv-verify').click();
  await a.page.locator('#verify-dialog[open]').waitFor();
  assert.equal(await a.page.locator('#verify-digits').textContent(), digitsB);
  assert.match(digitsB ?? '', /^\d{60}$/);
  await a.page.keyboard.press('Escape');
  await b.page.locator('#verify-mark').click();
  await b.page.locator('#verify-state', { hasText: 'Verified' }).waitFor();
  await b.page.keyboard.press('Escape');
  await b.page.locator('#contacts .contact-main', { hasText: 'alice' }).filter({ hasText: 'verified' }).waitFor();

  // The log: every message, and the verification result.
  await b.page.locator('#show-log').click();
  await b.page.locator('#log-result.ok', { hasText: /ok: \d+ entries/i }).waitFor();
  await b.page.locator('#log-entries li', { hasText: '-> alice: Hello Alice!' }).waitFor();
  await b.page.locator('#log-entries li', { hasText: '<- alice: Hi Bob' }).waitFor();
  await b.page.keyboard.press('Escape');

  // Bob ends the conversation; Alice is told.
  await b.page.locator('#conv-close').click();
  await a.page.locator('.sys', { hasText: 'bob left the conversation' }).waitFor();

  // Another "alice" (a new home: a different identity key) listens elsewhere. Bob has alice's
  // key pinned (and verified), so connecting must stop with the loud, blocking warning.
  const impostor = await makeHome('alice', 'impostor-password');
  const port2 = await listenInChild(impostor);
  await b.page.locator('#address').fill(`alice@127.0.0.1:${port2}`);
  await b.page.locator('#address').press('Enter');
  await connectWith(b.page, impostor.password);
  const warning = b.page.locator('#keychange-dialog[open]');
  await warning.waitFor();
  await warning.locator('#kc-title', { hasText: 'identity key changed' }).waitFor();
  await b.page.locator('#kc-digits span').first().waitFor();
  assert.equal(await b.page.locator('#kc-trust').isDisabled(), true);
  assert.notEqual(await b.page.locator('#kc-old').textContent(), await b.page.locator('#kc-new').textContent());
  await b.page.screenshot({ path: join(ROOT, 'test-artifacts/ui-key-changed.png') });
  // Blocking: it is modal, the page behind cannot be used.
  assert.equal(await b.page.evaluate(() => document.querySelector('#keychange-dialog')?.matches(':modal')), true);
  // Nothing could be sent: Bob has no open conversation with this "alice".
  assert.equal((await b.ui.controller.state()).conversations.filter((x) => x.open).length, 0);

  // After checking (the checkbox), "trust new key" accepts it, and the connection that stopped
  // at the key is made again by itself (no second password prompt).
  await b.page.locator('#kc-checked').check();
  await b.page.locator('#kc-trust').click();
  await b.page.locator('#keychange-dialog[open]').waitFor({ state: 'detached' });
  assert.equal(await b.page.locator('#password-dialog').getAttribute('open'), null);
  await b.page.locator('#conv-sub', { hasText: `End-to-end encrypted · 127.0.0.1:${port2}` }).waitFor();
  await b.page.locator('#conv-title .badge', { hasText: 'key pinned' }).waitFor();
  await say(b.page, 'hello again');
  await b.page.locator('.msg.out .ticks.delivered').first().waitFor();
});
