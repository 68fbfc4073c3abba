#!/usr/bin/env node
// Bundles the browser page of `securechat ui` (src/ui/web/) into dist/ui/ with esbuild:
// app.js (one ES module, no external imports), index.html and style.css copied as they are.
// Standalone: `node scripts/build-ui.mjs` (the server reads dist/ui/ at start).
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = `${root}src/ui/web/`;
const out = `${root}dist/ui/`;
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [`${src}main.ts`],
  outfile: `${out}app.js`,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome110', 'firefox115', 'safari16'],
  minify: false,
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
});
for (const f of ['index.html', 'style.css']) copyFileSync(`${src}${f}`, `${out}${f}`);
console.error('securechat: built the web page into dist/ui/');
