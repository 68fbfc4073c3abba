/**
 * Notices shown once: the home remembers (notices.json, 0600) which one-time warnings it has
 * shown, by a key, so a warning about a file (plaintext passwords in a users file) is shown
 * the first time and again only when the file changes, not on every command.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { atomicWriteFile, ensurePrivateDir } from '../fs/private-files.js';
import { MAX_NOTICE_KEYS } from '../limits.js';

const FILE = 'notices.json';

async function load(home: string): Promise<string[]> {
  try {
    const v: unknown = JSON.parse(await readFile(join(home, FILE), 'utf8'));
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

/** A key for "this notice about this content": a hash, so nothing of the content is stored. */
export function noticeKey(kind: string, ...parts: readonly (string | Uint8Array)[]): string {
  const h = createHash('sha256').update(kind);
  for (const p of parts) h.update('\u0000').update(p);
  return `${kind}:${h.digest('hex').slice(0, 32)}`;
}

/** True the first time `key` is asked about in `home` (and records it); false afterwards. Never throws. */
export async function firstTime(home: string, key: string): Promise<boolean> {
  const keys = await load(home);
  if (keys.includes(key)) return false;
  try {
    await ensurePrivateDir(home);
    await atomicWriteFile(join(home, FILE), new TextEncoder().encode(`${JSON.stringify([...keys, key].slice(-MAX_NOTICE_KEYS))}\n`));
  } catch {
    // cannot remember: showing the notice again next time is the safe side
  }
  return true;
}
