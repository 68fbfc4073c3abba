/** When `securechat ui` opens a browser: only where a desktop is present, never in tests or CI. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { opener } from '../../src/app/open-browser.js';

test('the browser is opened only on a desktop, never in CI (tests run without a desktop or with CI set)', () => {
  assert.equal(opener({ DISPLAY: ':0' }, 'linux'), 'xdg-open');
  assert.equal(opener({ WAYLAND_DISPLAY: 'wayland-0' }, 'linux'), 'xdg-open');
  assert.equal(opener({}, 'linux'), undefined);
  assert.equal(opener({}, 'darwin'), 'open');
  assert.equal(opener({ DISPLAY: ':0', CI: 'true' }, 'linux'), undefined);
  assert.equal(opener({ CI: '1' }, 'darwin'), undefined);
});
