#!/usr/bin/env node
// Bundles the shipped command's `send` path (src/cli/send-fast.ts and everything it imports
// statically) into one ES module, dist/src/cli/send-fast.bundle.js, with esbuild. A cold
// `securechat send` then loads 2 modules instead of ~35 (docs/PERFORMANCE.md, issue 12).
// Dynamic imports stay outside the bundle, pointing at tsc's output next to it (dist/src/),
// so run `tsc` first (`npm run build` does). Writes send-fast.bundle.json beside it: the
// bundled sources and a SHA-256 over their contents, which test/cli/send-bundle.test.ts
// checks against src/ (a stale bundle fails the test).
// Standalone: `node scripts/build-cli.mjs`.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = join(root, 'dist', 'src', 'cli');
const outfile = join(outDir, 'send-fast.bundle.js');

/** A dynamic import in src/X/f.ts of `spec`, as a path from dist/src/cli/ to tsc's output. */
const toDist = {
  name: 'dynamic-imports-stay-unbundled',
  setup(b) {
    b.onResolve({ filter: /^\./ }, (args) => {
      if (args.kind !== 'dynamic-import') return undefined;
      const inSrc = relative(join(root, 'src'), resolve(dirname(args.importer), args.path));
      let rel = relative(outDir, join(root, 'dist', 'src', inSrc)).split('\\').join('/');
      if (!rel.startsWith('.')) rel = `./${rel}`;
      return { path: rel, external: true };
    });
  },
};

const result = await build({
  entryPoints: [join(root, 'src', 'cli', 'send-fast.ts')],
  outfile,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: ['node20'],
  packages: 'external',
  plugins: [toDist],
  minify: false,
  sourcemap: false,
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
});

export const inputs = Object.keys(result.metafile.inputs).map((p) => p.split('\\').join('/')).sort();
const h = createHash('sha256');
for (const f of inputs) h.update(f).update('\0').update(readFileSync(join(root, f))).update('\0');
writeFileSync(join(outDir, 'send-fast.bundle.json'), `${JSON.stringify({ inputs, sha256: h.digest('hex') }, null, 2)}\n`);
console.error(`securechat: bundled the send path (${inputs.length} modules) into dist/src/cli/send-fast.bundle.js`);
