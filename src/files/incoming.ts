/**
 * One incoming transfer at run time (docs/FILES.md §5.2): CHUNK fragments go through the
 * receive machine; each verified chunk is written to its part file, acknowledged, and a
 * finished file (hash checked) gets its final name. After a restart the part file's whole
 * chunks are the resume point: they are read back for the hash, and ACCEPT asks only for the
 * rest.
 */
import { fromHex } from '../crypto/bytes.js';
import { isSecureChatError, localError, type SecureChatError } from '../errors.js';
import type { Conversation } from '../chat/conversation.js';
import type { Manifest } from './manifest.js';
import { CancelReason, FileOp, type Position } from './messages.js';
import { ReceiveMachine } from './receiver.js';
import { PartFile, partPath, prepareFolder } from './sink.js';
import type { TransferRecord } from './store.js';

export class IncomingRun {
  readonly rec: TransferRecord;
  readonly #m: Manifest;
  readonly #transfer: Uint8Array;
  #conv: Conversation;
  #machine: ReceiveMachine | null = null;
  #part: { file: number; part: PartFile; dir: string; name: string } | null = null;
  failed: SecureChatError | null = null;
  /** Chunks verified and stored since the last start (a resume receives only what was missing). */
  storedChunks = 0;

  constructor(conv: Conversation, rec: TransferRecord, m: Manifest) {
    this.rec = rec;
    this.#m = m;
    this.#conv = conv;
    this.#transfer = fromHex(rec.id);
  }

  get conversation(): Conversation {
    return this.#conv;
  }

  get position(): Position {
    return this.#machine?.position ?? this.rec.position;
  }

  /** Opens where it stopped (whole verified chunks of the current file) and sends ACCEPT from there. */
  async start(conv: Conversation): Promise<void> {
    this.#conv = conv;
    this.storedChunks = 0;
    await this.#closePart();
    let at = this.rec.position;
    const e = this.#m.entries[at.file];
    if (e !== undefined) {
      const { dir, name } = await prepareFolder(this.#into(), e.path);
      const path = partPath(dir, name, this.rec.id);
      const cs = this.#m.chunkSize;
      // A part holding the whole file was not yet named: its last chunk is asked for again.
      const machine0 = new ReceiveMachine(this.#m, at);
      const whole = Math.min(Math.floor((await PartFile.storedLength(path)) / cs), machine0.plan.chunksOf(at.file) - 1);
      at = { file: at.file, chunk: whole };
      const part = await PartFile.open(path, whole * cs);
      this.#part = { file: at.file, part, dir, name };
      this.#machine = new ReceiveMachine(this.#m, at);
      for (let c = 0; c < whole; c++) this.#machine.feedStored(await part.read(c * cs, cs));
    } else {
      this.#machine = new ReceiveMachine(this.#m, at);
    }
    this.rec.position = at;
    this.#conv.sendFile({ transfer: this.#transfer, op: FileOp.ACCEPT, at });
  }

  #into(): string {
    if (this.rec.into === undefined) throw localError('INTERNAL', 'no folder to receive into');
    return this.rec.into;
  }

  /**
   * One fragment. Resolves with what changed: 'chunk' (a chunk stored), 'file' (a file saved,
   * the record must be written), 'done', or null (a fragment kept). Throws the refusal, having
   * told the sender (CANCEL).
   */
  async onChunk(at: Position, offset: number, data: Uint8Array): Promise<'chunk' | 'file' | 'done' | null> {
    const machine = this.#machine;
    if (machine === null) throw localError('INTERNAL', 'not started');
    let vc;
    try {
      vc = machine.onFragment(at, offset, data);
    } catch (e) {
      this.#refuse(CancelReason.INVALID, e);
      throw e;
    }
    if (vc === null) return null;
    try {
      if (this.#part?.file !== vc.at.file) {
        await this.#closePart();
        const e = this.#m.entries[vc.at.file];
        if (e === undefined) throw localError('INTERNAL', 'no such file');
        const { dir, name } = await prepareFolder(this.#into(), e.path);
        this.#part = { file: vc.at.file, part: await PartFile.open(partPath(dir, name, this.rec.id), 0), dir, name };
      }
      const p = this.#part;
      await p.part.write(vc.offset, vc.plain);
      this.storedChunks++;
      let changed: 'chunk' | 'file' | 'done' = 'chunk';
      if (vc.fileDone) {
        const saved = await p.part.finish(p.dir, p.name);
        this.#part = null;
        const rel = this.#m.entries[vc.at.file]?.path.split('/').slice(0, -1).concat(saved).join('/') ?? saved;
        (this.rec.saved ??= this.#m.entries.map(() => null))[vc.at.file] = rel;
        changed = vc.transferDone ? 'done' : 'file';
      }
      this.rec.position = machine.position;
      if (this.#conv.isOpen) this.#conv.sendFile({ transfer: this.#transfer, op: FileOp.ACK, at: machine.position });
      return changed;
    } catch (e) {
      this.#refuse(CancelReason.STORAGE, e);
      throw e;
    }
  }

  #refuse(reason: CancelReason, e: unknown): void {
    this.failed = isSecureChatError(e) ? e : localError('STORAGE_ERROR', 'the file could not be written', e);
    if (this.#conv.isOpen) this.#conv.sendFile({ transfer: this.#transfer, op: FileOp.CANCEL, reason });
  }

  /** Stops (cancelled here or by the sender): the part file is removed. */
  async stop(tell: CancelReason | null): Promise<void> {
    if (tell !== null && this.#conv.isOpen) this.#conv.sendFile({ transfer: this.#transfer, op: FileOp.CANCEL, reason: tell });
    const p = this.#part;
    await this.#closePart();
    if (p !== null) await import('node:fs').then((fs) => fs.promises.rm(p.part.path, { force: true }));
  }

  async #closePart(): Promise<void> {
    await this.#part?.part.close();
    this.#part = null;
  }
}
