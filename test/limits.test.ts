/**
 * Finding 9 of issue 10: every named limit is defined in src/limits.ts (the legacy protocol's
 * own limits and the group module's are in src/legacy/limits.ts and src/group/limits.ts). A constant named like a limit (MAX_*, MIN_*,
 * any *_MS duration, *_TRIES, *_RECONNECTS, *_LIST, *_BUDGET) defined anywhere else fails this test.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));
const ALLOWED = new Set(['limits.ts', join('legacy', 'limits.ts'), join('group', 'limits.ts')]);
/** Sizes derived from a format's field sizes, not limits of their own. */
const DERIVED = new Set([`${join('log', 'format.ts')}: MIN_RECORD_BODY`, `${join('log', 'format.ts')}: MAX_RECORD_BODY`]);
const LIMIT = /^\s*(?:export\s+)?const\s+((?:MAX_|MIN_)[A-Z0-9_]*|[A-Z0-9_]*_MS|[A-Z0-9_]*_(?:TRIES|RECONNECTS|LIST)|[A-Z0-9_]*_BUDGET)\s*(?::[^=]*)?=/gm;

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

test('named limits are defined in src/limits.ts only', async () => {
  const files = await walk(SRC);
  assert.ok(files.length > 50);
  const elsewhere: string[] = [];
  for (const f of files) {
    const rel = relative(SRC, f);
    if (ALLOWED.has(rel)) continue;
    for (const m of (await readFile(f, 'utf8')).matchAll(LIMIT)) {
      const id = `${rel}: ${m[1] ?? ''}`;
      if (!DERIVED.has(id)) elsewhere.push(id);
    }
  }
  assert.deepEqual(elsewhere, []);
});
