/**
 * Contacts and invitations in the page (issue 12), in Debian's Chromium: bob listens and shows
 * an invitation (the string and its QR code); alice pastes it under "Accept an invitation" and
 * both pages list the other as a contact; the same invitation a second time is refused with
 * its sentence; alice removes bob (two clicks) and the page no longer lists him as a contact.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { listContacts } from '../../src/app/contacts-admin.js';
import { userPaths } from '../../src/identity/index.js';
import type { RunningUi } from '../../src/ui/start.js';
import { launch, makeHome, prepare, removeHomes, ROOT, startFor, type Home } from './_fixture.js';

let browser: Browser;
const running: RunningUi[] = [];

before(async () => {
  prepare();
  browser = await launch();
}, { timeout: 20 * 60_000 });

after(async () => {
  await browser?.close();
  await Promise.allSettled(running.map((u) => u.close()));
  await removeHomes();
});

async function open(h: Home): Promise<Page> {
  const ui = await startFor(h);
  running.push(ui);
  const page = await (await browser.newContext({ viewport: { width: 1100, height: 760 } })).newPage();
  page.setDefaultTimeout(60_000);
  await page.goto(ui.server.url);
  await page.locator('#me').filter({ hasText: `You are ${h.name}` }).waitFor();
  return page;
}

test('invite with code and QR, accept once, contacts on both sides, remove', { timeout: 5 * 60_000 }, async () => {
  const alice = await makeHome('alice');
  const bob = await makeHome('bob');
  const a = await open(alice);
  const b = await open(bob);

  // Without listening there is nothing to invite to: one sentence.
  await b.locator('#invite').click();
  await b.locator('#notice', { hasText: /Listen for incoming/ }).waitFor();

  await b.locator('#listen-toggle').click();
  await b.locator('#listen-status').filter({ hasText: /listening on 127\.0\.0\.1:\d+/ }).waitFor();
  await b.locator('#invite').click();
  await b.locator('#invite-dialog[open]').waitFor();
  const invitation = ((await b.locator('#inv-text').textContent()) ?? '').trim();
  assert.match(invitation, /^bob@127\.0\.0\.1:\d+#[0-9A-Z]{4}-[0-9A-Z]{4}$/);
  assert.equal(await b.locator('#inv-qr svg path').count(), 1, 'the QR code is drawn');
  mkdirSync(join(ROOT, 'test-artifacts'), { recursive: true });
  await b.screenshot({ path: join(ROOT, 'test-artifacts/ui-invitation.png') });
  await b.keyboard.press('Escape');

  await a.locator('#accept-input').fill(invitation);
  await a.locator('#accept-submit').click();
  await a.locator('#notice', { hasText: 'Bob and you are contacts now' }).waitFor();
  await a.locator('#contacts .contact-main', { hasText: 'bob' }).filter({ hasText: 'contact · by invitation' }).waitFor();
  // bob's page learns of alice when it refreshes its state (the conversation came in and ended).
  await b.reload();
  await b.locator('#contacts .contact-main', { hasText: 'alice' }).filter({ hasText: 'contact · by invitation' }).waitFor();
  assert.deepEqual((await listContacts(userPaths(bob.dir, 'bob').dir)).map((c) => c.name), ['alice']);

  // One use only.
  await a.locator('#accept-input').fill(invitation);
  await a.locator('#accept-submit').click();
  await a.locator('#notice.error', { hasText: /already used, or has expired/ }).waitFor();

  // Remove asks once more, then revokes.
  const remove = a.locator('#contacts li[data-name="bob"] button.remove');
  await remove.click();
  await a.locator('#contacts li[data-name="bob"] button.remove', { hasText: 'Remove bob?' }).click();
  await a.locator('#notice', { hasText: /removed contact bob/i }).waitFor();
  await a.locator('#contacts li[data-name="bob"] button.remove').waitFor({ state: 'detached' });
  assert.deepEqual(await listContacts(userPaths(alice.dir, 'alice').dir), []);
});
