/**
 * The import direction of the upper layers (CONTRIBUTING.md): app/ is below cli/, ui/ and
 * agent/ and imports none of them; cli/ and ui/ never import each other; agent/ never imports
 * cli/, and imports ui/ only where it serves the page (src/agent/page.ts, docs/UI.md); ui/ never
 * imports agent/ (the page's server is a client of the application core the agent runs).
 * Read from the TypeScript sources, so a new import in the wrong direction fails here.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const SRC = new URL('../../../src/', import.meta.url).pathname;

function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** The folders under src/ that `file` imports from (relative imports only). */
function importedFolders(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/from '(\.{1,2}\/[^']+)'/g)) {
    const target = relative(SRC, join(file, '..', m[1] ?? ''));
    out.push(target.split('/')[0] ?? '');
  }
  return out;
}

function offenders(folder: string, forbidden: readonly string[]): string[] {
  return files(join(SRC, folder)).flatMap((f) => importedFolders(f).filter((t) => forbidden.includes(t)).map((t) => `${relative(SRC, f)} imports ${t}/`));
}

describe('import direction of the upper layers', () => {
  it('finds the sources (so an empty scan cannot pass)', () => {
    assert.ok(files(join(SRC, 'app')).length > 3);
    assert.ok(files(join(SRC, 'ui')).length > 3);
  });
  it('app/ imports none of cli/, ui/, agent/', () => {
    assert.deepEqual(offenders('app', ['cli', 'ui', 'agent']), []);
  });
  it('ui/ never imports cli/ or agent/', () => {
    assert.deepEqual(offenders('ui', ['cli', 'agent']), []);
  });
  it('cli/ never imports ui/', () => {
    assert.deepEqual(offenders('cli', ['ui']), []);
  });
  it('agent/ never imports cli/, and ui/ only from page.ts', () => {
    assert.deepEqual(offenders('agent', ['cli']), []);
    assert.deepEqual(offenders('agent', ['ui']), ['agent/page.ts imports ui/']);
  });
  it('chat/ and below import nothing of app/, cli/, ui/, agent/', () => {
    for (const low of ['chat', 'session', 'transport', 'handshake', 'wire', 'crypto', 'identity', 'log']) {
      assert.deepEqual(offenders(low, ['app', 'cli', 'ui', 'agent']), [], low);
    }
  });
});
