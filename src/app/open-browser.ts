/**
 * Opens the page's link in the user's browser, where a desktop is present: `open` on
 * macOS, `xdg-open` where DISPLAY or WAYLAND_DISPLAY is set; never where CI is set (the
 * common convention of CI services). No test switch is read. Failures are ignored: the URL is
 * printed anyway.
 *
 * The link carries a one-time secret, and every local user can read every process's command
 * line (/proc/PID/cmdline): so the opener is given the path of a small redirect page in the
 * home (0600, in a 0700 directory) that forwards the browser to the link, never the link
 * itself (attack finding U1; Jupyter's `use_redirect_file` does the same).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Env } from '../app/host.js';
import { atomicWriteFile, ensurePrivateDir } from '../fs/private-files.js';

/** The command that would open a URL here, or undefined when there is no desktop (or under CI). */
export function opener(env: Env, platform: NodeJS.Platform = process.platform): string | undefined {
  if ((env['CI'] !== undefined && env['CI'] !== '' && env['CI'] !== 'false')) return undefined;
  if (platform === 'darwin') return 'open';
  if (platform === 'win32') return undefined;
  const desktop = (env['DISPLAY'] ?? '') !== '' || (env['WAYLAND_DISPLAY'] ?? '') !== '';
  return desktop ? 'xdg-open' : undefined;
}

/** The redirect page: forwards to `url` at once (no script needed), with a link as a fallback. */
export function redirectPage(url: string): string {
  const esc = url.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="referrer" content="no-referrer"><meta http-equiv="refresh" content="0;url=${esc}"><title>SecureChat</title></head><body><p><a href="${esc}">Open SecureChat</a></p></body></html>\n`;
}

/**
 * Writes the redirect page for `as` to `dir/open-AS.html` (0600, `dir` 0700; replacing the
 * previous one: its link was for one use anyway) and returns its path. The agent writes it (it
 * is the only writer of the home); the `ui` command hands the path to the opener.
 */
export async function writeRedirect(dir: string, as: string, url: string): Promise<string> {
  await ensurePrivateDir(dir);
  const file = join(dir, `open-${as}.html`);
  await atomicWriteFile(file, new TextEncoder().encode(redirectPage(url)));
  return file;
}

/** Starts the opener on the redirect page at `file`, detached; true when one was started. */
export function openBrowser(file: string, env: Env): boolean {
  const cmd = opener(env);
  if (cmd === undefined) return false;
  try {
    const child = spawn(cmd, [pathToFileURL(file).href], { stdio: 'ignore', detached: true });
    child.on('error', () => undefined);
    child.unref();
    return true;
  } catch {
    return false;
  }
}
