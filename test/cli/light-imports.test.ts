/**
 * A `send` with the agent running only asks the agent (docs/PERFORMANCE.md, issue 12): its
 * static import graph, from the shipped entry through src/cli/run.ts to the send command,
 * must not reach the protocol stack, the OPAQUE WebAssembly, ML-KEM, the page or the legacy
 * bridge, which cost a cold process most of its start-up (175 modules against 34). Read from
 * the sources: `import ... from` and `export ... from` count, `import type` and `import()` not.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HEAVY } from './_light.js';

const SRC = fileURLToPath(new URL('../../../src/', import.meta.url));
const STATIC = /^\s*(?:import|export)\s+(?!type\s)(?:[^'";]*?\sfrom\s+)?'([^']+)';/gm;

function graph(entry: string): Set<string> {
  const seen = new Set<string>();
  const todo = [resolve(SRC, entry)];
  for (let f = todo.pop(); f !== undefined; f = todo.pop()) {
    if (seen.has(f)) continue;
    seen.add(f);
    for (const m of readFileSync(f, 'utf8').matchAll(STATIC)) {
      const spec = m[1] ?? '';
      if (spec.startsWith('.')) todo.push(resolve(dirname(f), spec.replace(/\.js$/, '.ts')));
      else seen.add(`pkg:${spec}`);
    }
  }
  return new Set([...seen].map((f) => (f.startsWith('pkg:') ? f : relative(SRC, f))));
}

test('securechat send loads no protocol module up to the agent request', () => {
  // The shipped entry (main.ts) runs `send` from send-fast.ts (bundled by the build, the
  // same graph: send-bundle.test.ts checks what was bundled).
  const g = graph(join('cli', 'main.ts'));
  for (const f of graph(join('cli', 'send-fast.ts'))) g.add(f);
  assert.ok(g.has(join('cli', 'run.ts')) && g.has(join('cli', 'commands', 'send.ts')), 'the runner and the command are in it');
  assert.ok(g.has(join('agent', 'client.ts')), 'the graph was followed (the agent client is in it)');
  const heavy = [...g].filter((f) => HEAVY.some((h) => h.test(f.split('\\').join('/'))));
  assert.deepEqual(heavy, []);
});
