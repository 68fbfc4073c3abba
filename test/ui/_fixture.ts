/**
 * Browser-test fixtures: throw-away homes with a registered user (cheap KSF, the test hook),
 * a UI instance per home started in this process, the bundled page, and Debian's Chromium
 * driven by playwright-core.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { KSF_TEST } from '../../src/crypto/opaque.js';
import { utf8 } from '../../src/crypto/bytes.js';
import { ensureUserDir, loadOrCreateIdentity, registerAccount } from '../../src/identity/index.js';
import { FeedHub } from '../../src/app/feed-hub.js';
import { Messenger } from '../../src/app/messenger.js';
import { startUi, type RunningUi } from '../../src/ui/start.js';

export const ROOT = new URL('../../../', import.meta.url).pathname;
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Builds the page bundle (dist/ui/) and installs Chromium when it is missing. */
export function prepare(): void {
  execFileSync(process.execPath, [join(ROOT, 'scripts/build-ui.mjs')], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if (!existsSync(CHROMIUM)) execFileSync('sh', [join(ROOT, 'scripts/ensure-chromium.sh')], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'], timeout: 15 * 60_000 });
}

export function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
}

export interface Home {
  readonly dir: string;
  readonly name: string;
  readonly password: string;
  /** Where its users file is (written by `writeUsers`). */
  readonly usersFile: string;
}

const homes: string[] = [];

/** A fresh home with `name` registered (identity key + OPAQUE record with the test KSF). */
export async function makeHome(name: string, password = `${name}-correct-horse`): Promise<Home> {
  const dir = await mkdtemp(join(tmpdir(), `securechat-ui-${name}-`));
  homes.push(dir);
  const paths = await ensureUserDir(dir, name);
  await loadOrCreateIdentity(paths.dir);
  await registerAccount(paths.dir, name, utf8(password), KSF_TEST);
  const usersFile = join(dir, 'users.json');
  await writeFile(usersFile, '[]\n', { mode: 0o600 });
  return { dir, name, password, usersFile };
}

export async function writeUsers(h: Home, users: readonly { username: string; ip: string; port: number }[]): Promise<void> {
  await writeFile(h.usersFile, `${JSON.stringify(users, null, 2)}\n`, { mode: 0o600 });
}

/**
 * Starts the page of `h` in this process on a messenger of its own (what the agent runs: the
 * agent's own page is tested through `securechat ui` in agent-page.test.ts). Closing it closes
 * the messenger too.
 */
export async function startFor(h: Home): Promise<RunningUi> {
  const feeds = new FeedHub();
  const messenger = new Messenger({ home: h.dir, ksf: KSF_TEST, feed: (user) => feeds.feed(user) });
  const ui = await startUi({ home: h.dir, ksf: KSF_TEST, messenger, feeds }, { as: h.name, usersPath: h.usersFile });
  return {
    server: ui.server,
    controller: ui.controller,
    useUsersFile: (path) => ui.useUsersFile(path),
    async close() {
      await ui.close();
      await messenger.close();
    },
  };
}

export async function removeHomes(): Promise<void> {
  await Promise.all(homes.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}
