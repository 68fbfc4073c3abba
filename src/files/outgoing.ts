/**
 * One outgoing transfer at run time (docs/FILES.md §5.1): offers the manifest on an open
 * conversation, waits for ACCEPT (which says where to start: a resume sends only what the
 * receiver has not stored), then reads, checks, seals and sends chunk after chunk inside the
 * window, awaiting the socket's drain after every fragment so that a text typed meanwhile
 * leaves between two fragments, never behind the whole file.
 */
import { promises as fsp } from 'node:fs';
import { createHash } from 'node:crypto';
import { ctEqual, fromHex } from '../crypto/bytes.js';
import { localError, remoteError, type SecureChatError } from '../errors.js';
import type { Conversation } from '../chat/conversation.js';
import type { Manifest } from './manifest.js';
import { FileOp, CancelReason, type FileAppMessage, type Position } from './messages.js';
import { SendMachine, fragments } from './sender.js';
import { chunkPlainLength, sealChunk } from './stream.js';
import type { TransferRecord } from './store.js';

export type SendOutcome = { readonly kind: 'done' } | { readonly kind: 'cancelled'; readonly reason: number } | { readonly kind: 'lost'; readonly error: SecureChatError };

export class OutgoingRun {
  readonly #conv: Conversation;
  readonly #rec: TransferRecord;
  readonly #m: Manifest;
  readonly #transfer: Uint8Array;
  readonly #chunks: string;
  #machine: SendMachine | null = null;
  #wake: (() => void) | null = null;
  #outcome: SendOutcome | null = null;
  #accepted: Position | null = null;
  /** Chunks sealed and sent on this conversation (a resume sends only what the receiver lacks). */
  sentChunks = 0;
  readonly onProgress: (acked: Position) => void;

  constructor(conv: Conversation, rec: TransferRecord, m: Manifest, chunksPath: string, onProgress: (acked: Position) => void) {
    this.#conv = conv;
    this.#rec = rec;
    this.#m = m;
    this.#transfer = fromHex(rec.id);
    this.#chunks = chunksPath;
    this.onProgress = onProgress;
    conv.on('closed', (_r, e) => this.#end({ kind: 'lost', error: e ?? localError('CONNECTION_LOST', 'the conversation ended') }));
  }

  get conversation(): Conversation {
    return this.#conv;
  }

  #end(o: SendOutcome): void {
    this.#outcome ??= o;
    this.#signal();
  }

  #signal(): void {
    const w = this.#wake;
    this.#wake = null;
    w?.();
  }

  #wait(): Promise<void> {
    return new Promise((r) => {
      this.#wake = r;
    });
  }

  /** A FILE message for this transfer arrived from the receiver. */
  onMessage(m: FileAppMessage): void {
    switch (m.op) {
      case FileOp.ACCEPT:
        if (this.#accepted === null) {
          this.#accepted = m.at;
          this.#signal();
        }
        return;
      case FileOp.ACK:
        try {
          if (this.#machine === null) throw remoteError('FILE_CHUNK_ORDER', 'an acknowledgement before the transfer was accepted');
          this.#machine.onAck(m.at);
          this.onProgress(m.at);
        } catch {
          this.cancel(CancelReason.INVALID);
        }
        this.#signal();
        return;
      case FileOp.CANCEL:
        this.#end({ kind: 'cancelled', reason: m.reason });
        return;
      default:
        this.cancel(CancelReason.INVALID); // OFFER or CHUNK from the receiver: not ours to get
    }
  }

  /** Ends the transfer from this side, telling the receiver why. */
  cancel(reason: CancelReason): void {
    if (this.#conv.isOpen) this.#conv.sendFile({ transfer: this.#transfer, op: FileOp.CANCEL, reason });
    this.#end({ kind: 'cancelled', reason: reason === CancelReason.INVALID ? CancelReason.INVALID : -reason });
  }

  async run(): Promise<SendOutcome> {
    this.#conv.sendFile({ transfer: this.#transfer, op: FileOp.OFFER, manifest: fromHex(this.#rec.manifest) });
    while (this.#accepted === null && this.#outcome === null) await this.#wait();
    if (this.#outcome !== null) return this.#outcome;
    let machine: SendMachine;
    try {
      machine = new SendMachine(this.#m, this.#accepted ?? { file: 0, chunk: 0 });
    } catch {
      this.cancel(CancelReason.INVALID);
      return this.#outcome ?? { kind: 'cancelled', reason: CancelReason.INVALID };
    }
    this.#machine = machine;
    this.onProgress(this.#accepted ?? { file: 0, chunk: 0 });
    const chunks = await fsp.open(this.#chunks, 'r');
    let open = null as { file: number; h: fsp.FileHandle } | null;
    try {
      while (this.#outcome === null && !machine.done) {
        const p = machine.nextChunk();
        if (p === null) {
          await this.#wait();
          continue;
        }
        if (open?.file !== p.file) {
          await open?.h.close();
          open = { file: p.file, h: await this.#openSource(p.file) };
        }
        const sealed = await this.#sealed(open.h, chunks, machine, p);
        this.sentChunks++;
        for (const f of fragments(sealed.length)) {
          if (this.#outcome !== null || !this.#conv.isOpen) break;
          this.#conv.sendFile({ transfer: this.#transfer, op: FileOp.CHUNK, at: p, offset: f.offset, data: sealed.subarray(f.offset, f.offset + f.length) });
          await this.#conv.drained();
        }
      }
    } catch (e) {
      const err = e as SecureChatError;
      if (err.code === 'FILE_CHANGED') this.cancel(CancelReason.CHANGED);
      else this.#end({ kind: 'lost', error: err });
    } finally {
      await open?.h.close();
      await chunks.close();
    }
    return this.#outcome ?? { kind: 'done' };
  }

  async #openSource(file: number): Promise<fsp.FileHandle> {
    const src = this.#rec.sources?.[file];
    if (src === undefined) throw localError('INTERNAL', 'no source for a file');
    const h = await fsp.open(src.path, 'r').catch((e: unknown) => {
      throw localError('FILE_CHANGED', `${src.path} cannot be read any more`, e);
    });
    const st = await h.stat();
    if (st.size !== src.size || st.mtimeMs !== src.mtimeMs) {
      await h.close();
      throw localError('FILE_CHANGED', `${src.path} changed since it was offered`);
    }
    return h;
  }

  /** Reads chunk `p`, checks it against the hash taken when it was offered, and seals it. */
  async #sealed(h: fsp.FileHandle, chunks: fsp.FileHandle, machine: SendMachine, p: Position): Promise<Uint8Array> {
    const e = this.#m.entries[p.file];
    if (e === undefined) throw localError('INTERNAL', 'no such file');
    const cs = this.#m.chunkSize;
    const len = chunkPlainLength(e.size, cs, p.chunk);
    const plain = Buffer.alloc(len);
    let got = 0;
    while (got < len) {
      const { bytesRead } = await h.read(plain, got, len - got, p.chunk * cs + got);
      if (bytesRead === 0) throw localError('FILE_CHANGED', `${e.path} became shorter since it was offered`);
      got += bytesRead;
    }
    const want = Buffer.alloc(32);
    await chunks.read(want, 0, 32, machine.plan.ordinal(p) * 32);
    // Never two plaintexts under one STREAM nonce: a chunk that differs from what was hashed is not sent.
    if (!ctEqual(createHash('sha256').update(plain).digest(), want)) throw localError('FILE_CHANGED', `${e.path} changed since it was offered`);
    return sealChunk(e.key, p.chunk, p.chunk === machine.plan.chunksOf(p.file) - 1, plain);
  }
}
