/** Writes test/vectors/log-v3.json. Run: npx tsc -p . && node dist/test/log/gen-vectors.js */
import { writeFileSync } from 'node:fs';
import { generateLogVectors } from './_vectors.js';

export const VECTOR_FILE = new URL('../../../test/vectors/log-v3.json', import.meta.url);

export function renderLogVectors(): string {
  return `${JSON.stringify(generateLogVectors(), null, 2)}\n`;
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, '/'))) {
  writeFileSync(VECTOR_FILE, renderLogVectors());
  process.stdout.write(`securechat: wrote ${VECTOR_FILE.pathname}\n`);
}
