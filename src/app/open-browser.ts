/**
 * Opens the page's link in the user's browser, where a desktop is present: `open` on
 * macOS, `xdg-open` where DISPLAY or WAYLAND_DISPLAY is set; never where CI is set (the
 * common convention of CI services). No test switch is read. The URL is
 * passed as one argument (no shell). Failures are ignored: the URL is printed anyway.
 */
import { spawn } from 'node:child_process';
import type { Env } from '../app/host.js';

/** The command that would open a URL here, or undefined when there is no desktop (or under CI). */
export function opener(env: Env, platform: NodeJS.Platform = process.platform): string | undefined {
  if ((env['CI'] !== undefined && env['CI'] !== '' && env['CI'] !== 'false')) return undefined;
  if (platform === 'darwin') return 'open';
  if (platform === 'win32') return undefined;
  const desktop = (env['DISPLAY'] ?? '') !== '' || (env['WAYLAND_DISPLAY'] ?? '') !== '';
  return desktop ? 'xdg-open' : undefined;
}

/** Starts the opener detached; true when one was started. */
export function openBrowser(url: string, env: Env): boolean {
  const cmd = opener(env);
  if (cmd === undefined) return false;
  try {
    const child = spawn(cmd, [url], { stdio: 'ignore', detached: true });
    child.on('error', () => undefined);
    child.unref();
    return true;
  } catch {
    return false;
  }
}
