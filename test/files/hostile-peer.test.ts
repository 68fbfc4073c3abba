/**
 * The receiving service against a hostile sender (docs/FILES.md §4, §5.2), in process with a
 * fake conversation: hostile manifests, a chunk of an unknown transfer, a flipped bit, a lying
 * size and a flood of offers each end only that transfer, with the exact code, nothing written
 * outside the folder and no part file left.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { fromHex, toHex } from '../../src/crypto/bytes.js';
import { sha256 } from '../../src/crypto/hash.js';
import type { Conversation } from '../../src/chat/conversation.js';
import type { Messenger } from '../../src/app/messenger.js';
import type { MessengerObserver } from '../../src/app/observer.js';
import type { JsonEvent } from '../../src/app/host.js';
import { FileService } from '../../src/files/service.js';
import { encodeManifest, type Manifest } from '../../src/files/manifest.js';
import { CancelReason, FileOp, FILE_KIND, type FileAppMessage } from '../../src/files/messages.js';
import { sealChunk } from '../../src/files/stream.js';
import { fragments } from '../../src/files/sender.js';
import { MIN_CHUNK_BYTES } from '../../src/files/limits.js';
import { pattern, vectors } from './_vectors.js';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

type Sent = FileAppMessage extends unknown ? (FileAppMessage extends infer T ? (T extends unknown ? Omit<T, 'kind'> : never) : never) : never;

async function setup(): Promise<{ svc: FileService; deliver: (m: Sent) => Promise<void>; sent: Sent[]; events: JsonEvent[]; home: string; into: string }> {
  const home = await mkdtemp(join(tmpdir(), 'securechat-hostile-'));
  dirs.push(home);
  let observer: MessengerObserver | undefined;
  const messenger = { observe: (o: MessengerObserver) => { observer = o; return () => undefined; }, conversations: () => [] } as unknown as Messenger;
  const events: JsonEvent[] = [];
  const feed = { status: (_t: string, e?: JsonEvent) => { if (e !== undefined) events.push(e); }, warn: (_t: string, e?: JsonEvent) => { if (e !== undefined) events.push(e); }, line: () => undefined };
  const into = join(home, 'in');
  const svc = new FileService({ home, messenger, feed: () => feed, downloads: () => into });
  const sent: Sent[] = [];
  let handler: ((m: FileAppMessage) => Promise<void>) | undefined;
  const conv = {
    info: { peer: { name: 'mallory' } },
    isOpen: true,
    on: (ev: string, fn: (m: FileAppMessage) => Promise<void>) => { if (ev === 'file') handler = fn; return conv; },
    sendFile: (m: Sent) => { sent.push(m); },
  } as unknown as Conversation;
  observer?.conversation?.('bob', conv, 'in');
  const deliver = async (m: Sent): Promise<void> => {
    assert.ok(handler !== undefined);
    await handler({ ...m, kind: FILE_KIND });
  };
  return { svc, deliver, sent, events, home, into };
}

const cancels = (sent: Sent[]): number[] => sent.flatMap((m) => (m.op === FileOp.CANCEL ? [m.reason] : []));

describe('a hostile sender', () => {
  for (const n of (vectors() as { manifest_negative: { name: string; bytes: string; error: string }[] }).manifest_negative) {
    it(`a manifest with ${n.name}: CANCEL invalid, ${n.error}, nothing stored`, async () => {
      const s = await setup();
      await s.deliver({ transfer: randomBytes(16), op: FileOp.OFFER, manifest: fromHex(n.bytes) });
      assert.deepEqual(cancels(s.sent), [CancelReason.INVALID]);
      assert.equal(s.events.find((e) => e.event === 'file-error')?.['code'], n.error);
      assert.deepEqual(await s.svc.store('bob').list(), []);
    });
  }

  it('a chunk of a transfer nobody offered: CANCEL unknown', async () => {
    const s = await setup();
    await s.deliver({ transfer: randomBytes(16), op: FileOp.CHUNK, at: { file: 0, chunk: 0 }, offset: 0, data: new Uint8Array(10) });
    assert.deepEqual(cancels(s.sent), [CancelReason.UNKNOWN]);
  });

  async function accepted(size: number, liedSize = size): Promise<{ s: Awaited<ReturnType<typeof setup>>; id: Uint8Array; sealed: Uint8Array[] }> {
    const s = await setup();
    const plain = pattern(size);
    const key = new Uint8Array(randomBytes(32));
    const m: Manifest = { chunkSize: MIN_CHUNK_BYTES, entries: [{ path: 'x/y.bin', size: liedSize, sha256: sha256(plain), key }] };
    const id = new Uint8Array(randomBytes(16));
    await s.deliver({ transfer: id, op: FileOp.OFFER, manifest: encodeManifest(m) });
    assert.equal(s.events.at(-1)?.event, 'file-offer');
    await s.svc.accept('bob', toHex(id));
    assert.equal(s.sent.at(-1)?.op, FileOp.ACCEPT);
    const n = Math.max(1, Math.ceil(size / MIN_CHUNK_BYTES));
    const sealed = Array.from({ length: n }, (_, i) => sealChunk(key, i, i === n - 1, plain.subarray(i * MIN_CHUNK_BYTES, (i + 1) * MIN_CHUNK_BYTES)));
    return { s, id, sealed };
  }

  async function send(s: Awaited<ReturnType<typeof setup>>, id: Uint8Array, chunk: number, c: Uint8Array): Promise<void> {
    for (const f of fragments(c.length)) await s.deliver({ transfer: id, op: FileOp.CHUNK, at: { file: 0, chunk }, offset: f.offset, data: c.subarray(f.offset, f.offset + f.length) });
  }

  it('a flipped bit: CANCEL invalid, failed with FILE_CHUNK_AUTH, no part file left, nothing saved', async () => {
    const { s, id, sealed } = await accepted(MIN_CHUNK_BYTES + 10);
    const c = Uint8Array.from(sealed[0] ?? []);
    c[100] = (c[100] ?? 0) ^ 4;
    await send(s, id, 0, c);
    assert.deepEqual(cancels(s.sent), [CancelReason.INVALID]);
    const rec = (await s.svc.store('bob').list())[0];
    assert.equal(rec?.state, 'failed');
    assert.equal(rec?.error?.code, 'FILE_CHUNK_AUTH');
    assert.deepEqual(await readdir(join(s.into, 'x')), []);
  });

  it('chunks out of order: FILE_CHUNK_ORDER', async () => {
    const { s, id, sealed } = await accepted(2 * MIN_CHUNK_BYTES + 10);
    await send(s, id, 1, sealed[1] ?? new Uint8Array(1));
    assert.equal((await s.svc.store('bob').list())[0]?.error?.code, 'FILE_CHUNK_ORDER');
  });

  it('a size that lies (more bytes than announced): FILE_CHUNK_ORDER', async () => {
    const { s, id, sealed } = await accepted(MIN_CHUNK_BYTES + 500, MIN_CHUNK_BYTES + 10);
    await send(s, id, 0, sealed[0] ?? new Uint8Array(1));
    await send(s, id, 1, sealed[1] ?? new Uint8Array(1));
    assert.equal((await s.svc.store('bob').list())[0]?.error?.code, 'FILE_CHUNK_ORDER');
  });

  it('the right chunks: saved, ACKed to the end', async () => {
    const { s, id, sealed } = await accepted(MIN_CHUNK_BYTES + 10);
    for (const [i, c] of sealed.entries()) await send(s, id, i, c);
    assert.deepEqual(s.sent.filter((m) => m.op === FileOp.ACK).map((m) => (m.op === FileOp.ACK ? m.at : null)), [{ file: 0, chunk: 1 }, { file: 1, chunk: 0 }]);
    assert.deepEqual(await readdir(join(s.into, 'x')), ['y.bin']);
  });

  it('a flood of offers: past 16 waiting, each is declined', async () => {
    const s = await setup();
    const m = encodeManifest({ chunkSize: MIN_CHUNK_BYTES, entries: [{ path: 'a', size: 1, sha256: new Uint8Array(32), key: new Uint8Array(32) }] });
    for (let i = 0; i < 20; i++) await s.deliver({ transfer: randomBytes(16), op: FileOp.OFFER, manifest: m });
    assert.deepEqual(cancels(s.sent), [1, 1, 1, 1]);
  });
});
