import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { atomicCreateFile, atomicWriteFile, ensurePrivateDir, readJsonFile, readJsonFileIfExists, MAX_STATE_FILE_BYTES } from '../../src/identity/storage.js';
import { modeOf, rejectsWith, tmpDir } from './_tmp.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

test('atomicWriteFile creates 0600 files and replaces content; no temp file is left', async () => {
  const d = tmpDir();
  const p = join(d, 'f.json');
  await atomicWriteFile(p, enc('one'));
  assert.equal(modeOf(p), 0o600);
  await atomicWriteFile(p, enc('two'));
  assert.equal(readFileSync(p, 'utf8'), 'two');
  assert.equal(modeOf(p), 0o600);
  assert.deepEqual(readdirSync(d), ['f.json']);
});

test('atomicWriteFile narrows a wider umask: still 0600 when the process umask is 0', async () => {
  const d = tmpDir();
  const old = process.umask(0);
  try {
    await atomicWriteFile(join(d, 'x'), enc('x'));
  } finally {
    process.umask(old);
  }
  assert.equal(modeOf(join(d, 'x')), 0o600);
});

test('ensurePrivateDir creates every missing level with 0700', async () => {
  const d = tmpDir();
  const deep = join(d, 'a', 'b', 'c');
  await ensurePrivateDir(deep);
  for (const p of [join(d, 'a'), join(d, 'a', 'b'), deep]) assert.equal(modeOf(p), 0o700, p);
  await ensurePrivateDir(deep); // idempotent
});

test('an existing directory that other users can write to is refused with CONFIG and a chmod sentence; 0755 is fine', async () => {
  const d = tmpDir();
  for (const mode of [0o777, 0o770, 0o702]) {
    const shared = join(d, `shared-${mode.toString(8)}`);
    mkdirSync(shared);
    chmodSync(shared, mode);
    await rejectsWith(() => ensurePrivateDir(shared), 'CONFIG');
    await assert.rejects(ensurePrivateDir(shared), /can be written by other users .*chmod go-w/);
    assert.equal(modeOf(shared), mode, 'left as it was');
  }
  const readable = join(d, 'readable');
  mkdirSync(readable);
  chmodSync(readable, 0o755);
  await ensurePrivateDir(readable);
});

test('a failed write is a STORAGE_ERROR naming the file, and leaves no temp file behind', async () => {
  const d = tmpDir();
  const target = join(d, 'taken');
  mkdirSync(target);
  writeFileSync(join(target, 'inside'), 'keep');
  await rejectsWith(() => atomicWriteFile(target, enc('new')), 'STORAGE_ERROR', `could not write ${target}`);
  assert.equal(readFileSync(join(target, 'inside'), 'utf8'), 'keep');
  assert.deepEqual(readdirSync(d), ['taken']);
  await rejectsWith(() => atomicWriteFile(join(d, 'missing', 'f'), enc('x')), 'STORAGE_ERROR', 'it does not exist');
});

test('a write into a read-only directory fails and the old file is intact', { skip: process.getuid?.() === 0 ? 'root ignores directory permissions' : false }, async () => {
  const d = tmpDir();
  const p = join(d, 'f');
  await atomicWriteFile(p, enc('old'));
  const { chmodSync } = await import('node:fs');
  chmodSync(d, 0o500);
  try {
    await rejectsWith(() => atomicWriteFile(p, enc('new')), 'STORAGE_ERROR', 'permission denied');
  } finally {
    chmodSync(d, 0o700);
  }
  assert.equal(readFileSync(p, 'utf8'), 'old');
});

test('a writer killed at any moment leaves either the old or the new file, never a mix', async () => {
  const d = tmpDir();
  const p = join(d, 'big');
  const oldBytes = 'o'.repeat(8 << 20);
  writeFileSync(p, oldBytes);
  const mod = new URL('../../src/identity/storage.js', import.meta.url).href;
  const script = `import { atomicWriteFile } from ${JSON.stringify(mod)};
    const b = new Uint8Array(8 << 20).fill(110);
    process.stdout.write('go\\n');
    for (;;) await atomicWriteFile(${JSON.stringify(p)}, b);`;
  for (const delay of [0, 5, 20, 60]) {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((res) => child.stdout.once('data', () => res()));
    await new Promise((r) => setTimeout(r, delay));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const now = readFileSync(p, 'latin1');
    assert.equal(now.length, 8 << 20);
    assert.ok(now === oldBytes || now === 'n'.repeat(8 << 20), 'file is a mix of old and new');
  }
});

test('atomicCreateFile never replaces an existing file', async () => {
  const d = tmpDir();
  const p = join(d, 'once');
  assert.equal(await atomicCreateFile(p, enc('first')), true);
  assert.equal(await atomicCreateFile(p, enc('second')), false);
  assert.equal(readFileSync(p, 'utf8'), 'first');
  assert.equal(modeOf(p), 0o600);
  assert.deepEqual(readdirSync(d), ['once']);
});

test('readJsonFile: typed errors that name the file, never quoting its content', async () => {
  const d = tmpDir();
  const p = join(d, 'state.json');
  await rejectsWith(() => readJsonFile(p, (v) => v), 'STORAGE_ERROR', `could not read ${p}: it does not exist`);
  assert.equal(await readJsonFileIfExists(p, (v) => v), undefined);

  writeFileSync(p, '{"secret": "hunter2",\n  "x": }');
  await rejectsWith(() => readJsonFile(p, (v) => v), 'STORAGE_ERROR', `${p} is not valid JSON at line 2, column`);
  await assert.rejects(() => readJsonFile(p, (v) => v), (e: Error) => !e.message.includes('hunter2'));

  writeFileSync(p, '{"a": hunter2}');
  await rejectsWith(() => readJsonFile(p, (v) => v), 'STORAGE_ERROR', 'is not valid JSON');
  await assert.rejects(() => readJsonFile(p, (v) => v), (e: Error) => !e.message.includes('hunter2'));

  writeFileSync(p, '{}');
  await rejectsWith(
    () => readJsonFile(p, () => { throw new Error('field "x" is missing'); }),
    'STORAGE_ERROR',
    `${p} is not valid: field "x" is missing; it was left unchanged`,
  );
  await rejectsWith(() => readJsonFile(join(d, 'nope'), (v) => v, 'CONFIG'), 'CONFIG', 'it does not exist');

  writeFileSync(p, Buffer.from([0x5b, 0xff, 0x5d]));
  await rejectsWith(() => readJsonFile(p, (v) => v), 'STORAGE_ERROR', 'is not valid UTF-8');

  writeFileSync(p, '\ufeff[1]'); // byte-order mark is accepted
  assert.deepEqual(await readJsonFile(p, (v) => v), [1]);

  writeFileSync(p, '[1] x');
  await rejectsWith(() => readJsonFile(p, (v) => v), 'STORAGE_ERROR', 'at line 1, column 5', 'after the JSON value');

  writeFileSync(p, '[1, 2');
  await rejectsWith(() => readJsonFile(p, (v) => v), 'STORAGE_ERROR', 'at line 1, column 6');

  await rejectsWith(() => readJsonFile(d, (v) => v), 'STORAGE_ERROR', 'not a regular file');
});

test('readJsonFile refuses an oversized file before reading it', async () => {
  const d = tmpDir();
  const p = join(d, 'huge.json');
  const { truncateSync } = await import('node:fs');
  writeFileSync(p, '');
  truncateSync(p, MAX_STATE_FILE_BYTES + 1);
  await rejectsWith(() => readJsonFile(p, (v) => v), 'STORAGE_ERROR', 'larger than');
});
