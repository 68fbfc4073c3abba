/** Writes test/vectors/records-v2.json. Run: npx tsc -p . && node dist/test/session/gen-vectors.js */
import { writeFileSync } from 'node:fs';
import { generateRecordVectors } from './_vectors.js';

export const VECTOR_FILE = new URL('../../../test/vectors/records-v2.json', import.meta.url);

export function renderVectors(): string {
  return `${JSON.stringify(generateRecordVectors(), null, 2)}\n`;
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, '/'))) {
  writeFileSync(VECTOR_FILE, renderVectors());
  process.stdout.write(`securechat: wrote ${VECTOR_FILE.pathname}\n`);
}
