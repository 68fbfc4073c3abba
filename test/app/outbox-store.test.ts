/**
 * The outbox file (src/app/outbox-store.ts): round trip; a fresh salt (so a fresh key and
 * nonce) per write; an altered byte, another home's secret, a truncated or foreign file are
 * refused with STORAGE_ERROR and leave the file as it was; the file holds no plaintext; an
 * empty outbox removes the file.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { OutboxFile, openOutbox, outboxPath, sealOutbox } from '../../src/app/outbox-store.js';
import { loadOrCreateLogSecret } from '../../src/log/secret.js';
import type { OutboxEntry } from '../../src/app/outbox.js';
import { codeOf } from '../session/_pair.js';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const entries: OutboxEntry[] = [
  { id: '0123456789abcdef0123456789abcdef', to: { account: 'bob', host: '127.0.0.1', port: 5002 }, text: 'meet at noon', queuedAt: 1_767_225_600_000 },
  { id: 'fedcba9876543210fedcba9876543210', to: { account: 'carol', host: '::1', port: 5003 }, text: '\ufeffgrüße', queuedAt: 1_767_225_601_000 },
];

describe('outbox file', () => {
  it('round trips, writes atomically with mode 0600, holds no plaintext, and an empty outbox removes it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'securechat-outbox-'));
    dirs.push(dir);
    const f = new OutboxFile(dir);
    assert.deepEqual(await f.load(), []);
    await Promise.all([f.save(entries.slice(0, 1)), f.save(entries)]);
    assert.deepEqual(await f.load(), entries);
    const bytes = await readFile(outboxPath(dir));
    assert.equal((await stat(outboxPath(dir))).mode & 0o777, 0o600);
    for (const s of ['meet at noon', 'bob', 'carol', '127.0.0.1', entries[0]?.id ?? '']) assert.ok(!bytes.includes(Buffer.from(s)), `plaintext ${s} in the file`);
    await f.save([]);
    assert.equal(existsSync(outboxPath(dir)), false);
  });

  it('refuses altered bytes, another secret, truncation and foreign files with STORAGE_ERROR; the file stays as it was', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'securechat-outbox-'));
    dirs.push(dir);
    const secret = await loadOrCreateLogSecret(dir);
    const sealed = sealOutbox(secret, entries);
    assert.notDeepEqual(sealOutbox(secret, entries), sealed, 'a fresh salt per write');
    assert.deepEqual(openOutbox(secret, sealed), entries);
    fc.assert(
      fc.property(fc.nat(sealed.length - 1), fc.integer({ min: 1, max: 255 }), (i, x) => {
        const b = Uint8Array.from(sealed);
        b[i] = (b[i] ?? 0) ^ x;
        assert.equal(codeOf(() => openOutbox(secret, b)), 'STORAGE_ERROR');
      }),
      { numRuns: 200 },
    );
    const other = new Uint8Array(32).fill(7);
    assert.equal(codeOf(() => openOutbox(other, sealed)), 'STORAGE_ERROR');
    assert.equal(codeOf(() => openOutbox(secret, sealed.subarray(0, 50))), 'STORAGE_ERROR');
    assert.equal(codeOf(() => openOutbox(secret, new Uint8Array(0))), 'STORAGE_ERROR');
    const altered = Uint8Array.from(sealed);
    altered[altered.length - 1] = (altered[altered.length - 1] ?? 0) ^ 1;
    await writeFile(outboxPath(dir), altered, { mode: 0o600 });
    await assert.rejects(new OutboxFile(dir).load(), (e: unknown) => codeOf(() => {
      throw e;
    }) === 'STORAGE_ERROR');
    assert.deepEqual(new Uint8Array(await readFile(outboxPath(dir))), altered, 'a bad file is left as it is');
  });
});
