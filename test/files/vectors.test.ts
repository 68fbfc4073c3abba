/** test/vectors/files-v1.json (docs/FILES.md): every vector decodes, re-encodes and fails as it says. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fromHex, toHex } from '../../src/crypto/bytes.js';
import { sha256 } from '../../src/crypto/hash.js';
import { decodeAppMessage, encodeAppMessage } from '../../src/chat/message.js';
import { isSecureChatError } from '../../src/errors.js';
import { decodeManifest, encodeManifest } from '../../src/files/manifest.js';
import { sealStream, StreamOpener, streamNonce } from '../../src/files/stream.js';
import { MIN_CHUNK_BYTES } from '../../src/files/limits.js';
import { pattern, render, VECTOR_FILE } from './_vectors.js';

interface V {
  stream: { name: string; key: string; chunk_size: number; plaintext_length: number; chunks: { nonce: string; sealed_length: number; sealed_sha256: string; tag: string; sealed?: string }[] }[];
  stream_negative: { name: string; of: number; op: string; chunk: number; error: string }[];
  manifest: { name: string; bytes: string; chunk_size: number; entries: { path: string; size: number; sha256: string; key: string }[] }[];
  manifest_negative: { name: string; bytes: string; error: string }[];
  messages: { name: string; bytes: string }[];
  messages_negative: { name: string; bytes: string; error: string }[];
}
const v = JSON.parse(readFileSync(VECTOR_FILE, 'utf8')) as V;

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return isSecureChatError(e) ? e.code : `not a SecureChatError: ${String(e)}`;
  }
  return 'no error';
}

describe('files-v1.json', () => {
  it('the file is what the generator writes', () => assert.equal(readFileSync(VECTOR_FILE, 'utf8'), render()));

  for (const s of v.stream) {
    it(`STREAM: ${s.name}`, () => {
      const plain = pattern(s.plaintext_length);
      const sealed = sealStream(fromHex(s.key), s.chunk_size, plain);
      assert.equal(sealed.length, s.chunks.length);
      const opener = new StreamOpener(fromHex(s.key), s.chunk_size);
      const out: Uint8Array[] = [];
      sealed.forEach((c, i) => {
        const want = s.chunks[i];
        assert.ok(want !== undefined);
        assert.equal(toHex(streamNonce(i, i === sealed.length - 1)), want.nonce);
        assert.equal(c.length, want.sealed_length);
        assert.equal(toHex(sha256(c)), want.sealed_sha256);
        if (want.sealed !== undefined) assert.equal(toHex(c), want.sealed);
        out.push(opener.open(c));
      });
      opener.finish();
      assert.deepEqual(Buffer.concat(out), Buffer.from(plain));
    });
  }

  for (const n of v.stream_negative) {
    it(`STREAM refuses: ${n.name} (${n.error})`, () => {
      const key = fromHex(v.stream[0]?.key ?? '');
      const chunks = sealStream(key, MIN_CHUNK_BYTES, pattern((n.of - 1) * MIN_CHUNK_BYTES + 5)).map((c): Uint8Array => Uint8Array.from(c));
      const c = chunks[n.chunk];
      assert.ok(c !== undefined);
      let list: Uint8Array[] = [...chunks];
      if (n.op === 'flip') c[7] = (c[7] ?? 0) ^ 0x01;
      else if (n.op === 'swap') list = [chunks[1], chunks[0], ...chunks.slice(2)].filter((x): x is Uint8Array => x !== undefined);
      else if (n.op === 'drop') list = n.chunk === 1 ? chunks.slice(0, -1) : chunks.slice(1);
      else if (n.op === 'duplicate') list = n.chunk === 1 ? [...chunks, chunks.at(-1) ?? c] : [c, ...chunks];
      const opener = new StreamOpener(key, MIN_CHUNK_BYTES);
      assert.equal(code(() => {
        for (const x of list) opener.open(x);
        opener.finish();
      }), n.error);
    });
  }

  for (const m of v.manifest) {
    it(`manifest: ${m.name}`, () => {
      const d = decodeManifest(fromHex(m.bytes));
      assert.equal(d.chunkSize, m.chunk_size);
      assert.deepEqual(d.entries.map((e) => ({ path: e.path, size: e.size, sha256: toHex(e.sha256), key: toHex(e.key) })), m.entries);
      assert.equal(toHex(encodeManifest(d)), m.bytes);
    });
  }
  for (const n of v.manifest_negative) it(`manifest refused: ${n.name} (${n.error})`, () => assert.equal(code(() => decodeManifest(fromHex(n.bytes))), n.error));

  for (const m of v.messages) it(`FILE message: ${m.name}`, () => assert.equal(toHex(encodeAppMessage(decodeAppMessage(fromHex(m.bytes)))), m.bytes));
  for (const n of v.messages_negative) it(`FILE message refused: ${n.name} (${n.error})`, () => assert.equal(code(() => decodeAppMessage(fromHex(n.bytes))), n.error));
});
