/**
 * test/vectors/log-v3.json (docs/LOG-FORMAT.md §3): the derived keys, format 3's salt key and
 * entry materials (the same values as `openssl kdf ... HKDF` / `... KBKDF`, see
 * test/vectors/README.md), and whole logs of format 1 and 3, byte for byte; both formats verify,
 * and a writer keeps appending to a format-1 log in format 1 while a new log is format 3.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { toHex } from '../../src/crypto/bytes.js';
import { kbkdfCmac, kbkdfCmacMany } from '../../src/crypto/kbkdf.js';
import { deriveLogKeys, entryMaterials, saltKey } from '../../src/log/keys.js';
import { verifyLog } from '../../src/log/verify.js';
import { LogWriter, logPaths, verifyLogFile } from '../../src/log/file.js';
import { EventKind } from '../../src/log/event.js';
import { parseRecordAt, HEADER_BYTES } from '../../src/log/format.js';
import { generateLogVectors, VECTOR_SECRET, type LogVectorFile } from './_vectors.js';
import { renderLogVectors, VECTOR_FILE } from './gen-vectors.js';
import { cleanup, tempDir } from './_helpers.js';

const V = JSON.parse(await readFile(VECTOR_FILE, 'utf8')) as LogVectorFile;
const hex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'));

let root: string;
before(async () => {
  root = await tempDir();
});
after(() => cleanup(root));

/** The salts of a log file's records, in order. */
function salts(file: Uint8Array): string[] {
  const out: string[] = [];
  for (let off = HEADER_BYTES; ; ) {
    const s = parseRecordAt(file, off);
    if (s.kind !== 'record') return out;
    out.push(toHex(s.record.salt));
    off = s.record.end;
  }
}

describe('log vectors (log-v3.json)', () => {
  test('the file is what the generator writes, byte for byte', async () => {
    assert.equal(renderLogVectors(), await readFile(VECTOR_FILE, 'utf8'));
    assert.deepEqual(generateLogVectors(), V);
  });

  test('keys, the salt key and the entry materials', () => {
    const k = deriveLogKeys(hex(V.secret));
    assert.deepEqual({ chain: toHex(k.chain), head: toHex(k.head), entry: toHex(k.entry), entry3: toHex(k.entry3), keyCheck: toHex(k.keyCheck) }, V.keys);
    assert.equal(toHex(saltKey(k, hex(V.saltKey.logId), hex(V.saltKey.salt))), V.saltKey.key);
    for (const m of V.entryMaterials) {
      assert.equal(toHex(entryMaterials(hex(m.key), m.first, m.count)), m.materials);
      // Derived one at a time or all at once: the same material per index.
      for (let i = 0; i < m.count; i++) assert.equal(toHex(entryMaterials(hex(m.key), m.first + i, 1)), m.materials.slice(i * 88, (i + 1) * 88));
    }
    assert.throws(() => entryMaterials(hex(V.saltKey.key), 2 ** 48, 1), RangeError);
    // kbkdfCmacMany is kbkdfCmac per context, on its one-block fast path and on the general one.
    const key = hex(V.saltKey.key);
    for (const [label, ctxs] of [[Uint8Array.of(0x65), [Uint8Array.of(0, 0, 0, 0, 0, 1), Uint8Array.of(0, 0, 0, 0, 1, 0)]], [new TextEncoder().encode('longer label'), [Uint8Array.of(1, 2, 3), Uint8Array.of(4, 5, 6)]]] as const) {
      const many = kbkdfCmacMany(key, label, ctxs, 44);
      assert.equal(toHex(many), ctxs.map((c) => toHex(kbkdfCmac(key, label, c, 44))).join(''));
    }
  });

  test('both logs verify with their heads and hold the events', () => {
    const k = deriveLogKeys(VECTOR_SECRET);
    for (const l of V.logs) {
      const file = hex(l.file);
      assert.equal(file[7], l.format, 'the magic names the format');
      const r = verifyLog(k, file, { head: hex(l.headFile), keepEntries: true });
      assert.ok(r.ok, `format ${l.format}: ${r.ok ? '' : r.problem.kind}`);
      assert.deepEqual(r.entries.map((e) => e.event), l.events);
      assert.equal(r.state?.format, l.format);
      const s = salts(file);
      // Format 3: the records of one commit share its salt (commit 2: 3 events + the checkpoint after the 3rd record).
      if (l.format === 3) assert.equal(new Set(s).size, l.commits.length);
      else assert.equal(new Set(s).size, s.length);
    }
  });

  test('format 3: records of one commit (one salt) swapped, copied or re-salted are caught', () => {
    const k = deriveLogKeys(VECTOR_SECRET);
    const l = V.logs.find((x) => x.format === 3);
    assert.ok(l !== undefined);
    const file = hex(l.file);
    const sp: [number, number][] = [];
    for (let off = HEADER_BYTES; ; ) {
      const s = parseRecordAt(file, off);
      if (s.kind !== 'record') break;
      sp.push([s.record.start, s.record.end]);
      off = s.record.end;
    }
    const rec = (i: number): Uint8Array => file.slice(sp[i]?.[0], sp[i]?.[1]);
    const withRecords = (order: (number | Uint8Array)[]): Uint8Array => Buffer.concat([file.subarray(0, HEADER_BYTES), ...order.map((o) => (typeof o === 'number' ? rec(o) : o))]);
    const all = sp.map((_, i) => i);
    const kind = (f: Uint8Array) => {
      const r = verifyLog(k, f, { head: hex(l.headFile) });
      return r.ok ? 'ok' : `${r.problem.kind}@${r.problem.index}`;
    };
    assert.equal(salts(file)[1], salts(file)[2], 'records 1 and 2 are of one commit');
    assert.equal(kind(withRecords([0, 2, 1, ...all.slice(3)])), 'reordered@1');
    assert.equal(kind(withRecords([0, 1, 1, ...all.slice(3)])), 'inserted@2');
    const resalted = rec(2);
    resalted.set(rec(0).subarray(13, 29), 13); // another commit's salt on record 2
    assert.equal(kind(withRecords([0, 1, resalted, ...all.slice(3)])), 'edited@2');
  });

  test('a format-1 log stays format 1 when appended to; a new log is format 3', async () => {
    const l = V.logs.find((x) => x.format === 1);
    assert.ok(l !== undefined);
    const u = join(root, 'v1');
    const paths = logPaths(u);
    await mkdir(paths.dir, { recursive: true });
    await writeFile(paths.file, hex(l.file));
    await writeFile(paths.head, hex(l.headFile));
    const w = await LogWriter.open({ paths, secret: VECTOR_SECRET });
    await Promise.all([1, 2, 3].map((i) => w.append({ kind: EventKind.MESSAGE_RECEIVED, at: 1_780_000_000_000 + i, peer: 'bob', text: `v1 ${i}` })));
    await w.close();
    const after1 = new Uint8Array(await readFile(paths.file));
    assert.equal(after1[7], 1);
    const r = await verifyLogFile({ paths, secret: VECTOR_SECRET, keepEntries: true });
    assert.ok(r.ok);
    assert.equal(r.entries.length, l.events.length + 3);
    const s = salts(after1);
    assert.equal(new Set(s).size, s.length, 'format 1: a salt per record');

    const fresh = logPaths(join(root, 'new'));
    const w3 = await LogWriter.open({ paths: fresh, secret: VECTOR_SECRET });
    await w3.append({ kind: EventKind.MESSAGE_RECEIVED, at: 1_780_000_000_000, peer: 'bob', text: 'v3' });
    await w3.close();
    assert.equal(new Uint8Array(await readFile(fresh.file))[7], 3);
  });
});
