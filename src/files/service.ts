/**
 * File transfer in the agent (docs/FILES.md §5): the sending and receiving transfers of every
 * local user of the home, carried over the messenger's conversations. A transfer's record is
 * on disk (store.ts), so a restart of either agent, or a lost connection, continues where it
 * stopped: the sender offers again on the next conversation with the peer (it retries the
 * contact with growing pauses), and the receiver answers with where it got to.
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { toHex } from '../crypto/bytes.js';
import { systemRandom } from '../crypto/random.js';
import { isSecureChatError, localError, type SecureChatError } from '../errors.js';
import { atomicWriteFile, ensurePrivateDir } from '../fs/private-files.js';
import { explain } from '../app/errors-text.js';
import type { Feed } from '../app/listening.js';
import type { Messenger } from '../app/messenger.js';
import type { Target } from '../app/target.js';
import type { Conversation } from '../chat/conversation.js';
import { listLocalUsers } from '../identity/home.js';
import { DEFAULT_CHUNK_BYTES, MAX_PENDING_OFFERS_PER_PEER, RETRY_FIRST_MS, RETRY_MAX_MS, TRANSFER_ID_BYTES } from './limits.js';
import { decodeManifest, encodeManifest, manifestBytes, type Manifest, type ManifestEntry } from './manifest.js';
import { CancelReason, FileOp, type FileAppMessage, type Position } from './messages.js';
import { TransferPlan } from './plan.js';
import { collect, hashFile } from './source.js';
import { FINISHED, manifestOf, TransferStore, type TransferRecord } from './store.js';
import { OutgoingRun } from './outgoing.js';
import { IncomingRun } from './incoming.js';
import { safeComponent } from './paths.js';
import { AllowList } from './allow.js';


export interface FileServiceOptions {
  readonly home: string;
  readonly messenger: Messenger;
  readonly feed: (user: string) => Feed;
  /** Where received files go when nobody chose (default ~/Downloads/securechat/PEER). */
  readonly downloads?: (peer: string) => string;
}

interface Out {
  readonly as: string;
  rec: TransferRecord;
  run: OutgoingRun | null;
  retryMs: number;
  timer: NodeJS.Timeout | undefined;
  cancelled: boolean;
  /** The position the receiver asked to start from on the current conversation (null before its ACCEPT). */
  from: number | null;
}

interface In {
  readonly as: string;
  rec: TransferRecord;
  run: IncomingRun | null;
  conv: Conversation | null;
}

export class FileService {
  readonly #o: FileServiceOptions;
  readonly #out = new Map<string, Out>();
  readonly #in = new Map<string, In>();
  #closed = false;

  constructor(o: FileServiceOptions) {
    this.#o = o;
    o.messenger.observe({ conversation: (user, conv) => this.#attach(user, conv) });
  }

  store(as: string): TransferStore {
    return new TransferStore(this.#o.home, as);
  }

  allowList(as: string): AllowList {
    return new AllowList(this.#o.home, as);
  }

  /** Transfers not finished when the agent stopped continue (senders offer again). */
  async resume(): Promise<void> {
    for (const as of await listLocalUsers(this.#o.home).catch(() => [])) {
      for (const rec of await this.store(as).list()) {
        if (FINISHED.has(rec.state)) continue;
        if (rec.direction === 'out') this.#startOut(as, rec);
        else this.#in.set(rec.id, { as, rec, run: null, conv: null });
      }
    }
  }

  close(): void {
    this.#closed = true;
    for (const t of this.#out.values()) clearTimeout(t.timer);
  }

  /** Transfers still to send (the agent stays up for them). */
  get pending(): boolean {
    return this.#out.size > 0;
  }

  get busy(): boolean {
    return [...this.#out.values()].some((t) => t.run !== null) || [...this.#in.values()].some((t) => t.run !== null);
  }

  // ---- sending ----

  async send(as: string, target: Target, paths: readonly string[], chunkSize = DEFAULT_CHUNK_BYTES): Promise<TransferRecord> {
    const files = await collect(paths);
    const id = toHex(systemRandom(TRANSFER_ID_BYTES));
    const store = this.store(as);
    await ensurePrivateDir(store.dir);
    const hashes: Buffer[] = [];
    const entries: ManifestEntry[] = [];
    for (const f of files) entries.push(await hashFile(f, chunkSize, hashes));
    const m: Manifest = { chunkSize, entries };
    const manifest = encodeManifest(m); // refuses what a receiver would refuse (names, sizes, counts)
    await atomicWriteFile(store.chunksPath(id), Buffer.concat(hashes));
    const rec: TransferRecord = {
      id, direction: 'out', peer: target.account, manifest: toHex(manifest), createdAt: new Date().toISOString(), state: 'waiting', position: { file: 0, chunk: 0 },
      target, sources: files.map((f) => ({ path: f.path, size: f.size, mtimeMs: f.mtimeMs })),
    };
    await store.save(rec);
    this.#startOut(as, rec);
    return rec;
  }

  #startOut(as: string, rec: TransferRecord): void {
    const t: Out = { as, rec, run: null, retryMs: RETRY_FIRST_MS, timer: undefined, cancelled: false, from: null };
    this.#out.set(rec.id, t);
    void this.#drive(t);
  }

  #openConv(as: string, peer: string): Conversation | undefined {
    return this.#o.messenger.conversations(as).map((c) => c.conv).find((c) => c.isOpen && c.info.peer.name === peer);
  }

  async #drive(t: Out, conv?: Conversation): Promise<void> {
    if (t.run !== null || this.#closed || t.cancelled || FINISHED.has(t.rec.state)) return;
    clearTimeout(t.timer);
    const m = manifestOf(t.rec);
    let held: Target | undefined;
    const msgr = this.#o.messenger;
    try {
      let c = conv ?? this.#openConv(t.as, t.rec.peer);
      if (c === undefined && t.rec.target !== undefined) {
        await msgr.hold({ as: t.as, target: t.rec.target }, this.#o.feed(t.as), { established: false });
        held = t.rec.target;
        c = this.#openConv(t.as, t.rec.peer);
      }
      if (c === undefined) throw localError('NETWORK_ERROR', `${t.rec.peer} cannot be reached`);
      const plan = new TransferPlan(m);
      t.from = null;
      const run = new OutgoingRun(c, t.rec, m, this.store(t.as).chunksPath(t.rec.id), (acked) => this.#progressOut(t, plan, acked));
      t.run = run;
      const outcome = await run.run();
      t.run = null;
      t.rec.lastRunChunks = run.sentChunks;
      if (outcome.kind === 'done') await this.#finishOut(t, 'done');
      else if (outcome.kind === 'cancelled') {
        const r = outcome.reason;
        if (r === CancelReason.DECLINED) await this.#finishOut(t, 'declined', localError('FILE_DECLINED', `${t.rec.peer} declined the files`));
        else if (r < 0 || r === CancelReason.CANCELLED) await this.#finishOut(t, 'cancelled', localError('CANCELLED', r < 0 ? 'cancelled here' : `${t.rec.peer} cancelled the transfer`));
        else if (r === CancelReason.CHANGED || r === -CancelReason.CHANGED) await this.#finishOut(t, 'failed', localError('FILE_CHANGED', 'a file changed since it was offered; send it again'));
        else await this.#finishOut(t, 'failed', localError(r === CancelReason.STORAGE ? 'STORAGE_ERROR' : 'FILE_CHUNK_AUTH', r === CancelReason.STORAGE ? `${t.rec.peer} could not store the files` : `${t.rec.peer} refused the transfer as invalid`));
      } else this.#retry(t, outcome.error);
    } catch (e) {
      t.run = null;
      this.#retry(t, e);
    } finally {
      if (held !== undefined) await msgr.release(t.as, held).catch(() => undefined);
    }
  }

  #retry(t: Out, e: unknown): void {
    if (this.#closed || t.cancelled || FINISHED.has(t.rec.state)) return;
    const x = explain(e, { established: true, peer: t.rec.peer });
    this.#o.feed(t.as).warn(`sending files to ${t.rec.peer} paused: ${x.sentence}; trying again`, { event: 'file-retry', id: t.rec.id, to: t.rec.peer, code: x.code });
    t.timer = setTimeout(() => void this.#drive(t), t.retryMs);
    t.timer.unref();
    t.retryMs = Math.min(RETRY_MAX_MS, t.retryMs * 2);
  }

  #lastTold = new Map<string, number>();

  #progressOut(t: Out, plan: TransferPlan, acked: Position): void {
    if (t.from === null) {
      // The receiver's ACCEPT: only the chunks from here on are sent (a resume when it is not 0).
      t.from = plan.ordinal(acked);
      this.#o.feed(t.as).status(`${t.rec.peer} accepted; sending from chunk ${t.from} of ${plan.totalChunks}`, { event: 'file-accepted', id: t.rec.id, to: t.rec.peer, fromChunk: t.from, fromBytes: plan.bytesBefore(acked), chunks: plan.totalChunks });
    }
    t.rec.state = 'sending';
    t.rec.position = acked;
    t.retryMs = RETRY_FIRST_MS;
    this.#tellProgress(t.as, t.rec, plan, acked);
  }

  /** Highest resident set size seen at a progress step (the memory bound, docs/FILES.md §6). */
  peakRss = 0;

  #tellProgress(as: string, rec: TransferRecord, plan: TransferPlan, at: Position): void {
    this.peakRss = Math.max(this.peakRss, process.memoryUsage.rss());
    const now = Date.now();
    const total = manifestBytes(plan.manifest);
    const bytes = plan.bytesBefore(at);
    if (bytes < total && now - (this.#lastTold.get(rec.id) ?? 0) < 100) return;
    this.#lastTold.set(rec.id, now);
    const verb = rec.direction === 'out' ? 'sent' : 'received';
    this.#o.feed(as).status(`${verb} ${bytes} of ${total} bytes (${rec.id.slice(0, 8)})`, { event: 'file-progress', id: rec.id, direction: rec.direction, peer: rec.peer, bytes, total, state: rec.state });
  }

  async #finishOut(t: Out, state: TransferRecord['state'], error?: SecureChatError): Promise<void> {
    await this.#finish(t.as, t.rec, state, error);
    this.#out.delete(t.rec.id);
  }

  async #finish(as: string, rec: TransferRecord, state: TransferRecord['state'], error?: SecureChatError): Promise<void> {
    rec.state = state;
    if (error !== undefined) {
      const x = explain(error, { established: true, peer: rec.peer });
      rec.error = { code: x.code, sentence: x.sentence };
    }
    await this.store(as).save(rec).catch(() => undefined);
    this.#lastTold.delete(rec.id);
    const what = rec.direction === 'out' ? `files to ${rec.peer}` : `files from ${rec.peer}`;
    const text = state === 'done' ? `${what}: all delivered and verified` : `${what}: ${state}${rec.error === undefined ? '' : ` (${rec.error.sentence})`}`;
    const e = { event: 'file-end', id: rec.id, direction: rec.direction, peer: rec.peer, state, ...(rec.error === undefined ? {} : { code: rec.error.code, sentence: rec.error.sentence }), ...(rec.saved === undefined ? {} : { saved: rec.saved, into: rec.into ?? null }), ...(rec.lastRunChunks === undefined ? {} : { chunksLastRun: rec.lastRunChunks }) };
    if (state === 'done') this.#o.feed(as).status(text, e);
    else this.#o.feed(as).warn(text, e);
  }

  // ---- receiving ----

  #attach(as: string, conv: Conversation): void {
    conv.on('file', (m) => this.#onMessage(as, conv, m));
    const peer = conv.info.peer.name;
    // A transfer to this peer waiting for a way to them continues on this conversation.
    for (const t of this.#out.values()) if (t.as === as && t.rec.peer === peer && t.run === null) void this.#drive(t, conv);
  }

  async #onMessage(as: string, conv: Conversation, m: FileAppMessage): Promise<void> {
    const id = toHex(m.transfer);
    const out = this.#out.get(id);
    if (out !== undefined && out.as === as && out.rec.peer === conv.info.peer.name && m.op !== FileOp.OFFER) {
      out.run?.onMessage(m);
      return;
    }
    try {
      if (m.op === FileOp.OFFER) await this.#onOffer(as, conv, id, m.manifest);
      else if (m.op === FileOp.CHUNK) await this.#onChunk(as, conv, id, m.at, m.offset, m.data);
      else if (m.op === FileOp.CANCEL) await this.#onCancel(as, conv, id);
      else if (m.op !== FileOp.ACK && m.op !== FileOp.ACCEPT) conv.sendFile({ transfer: m.transfer, op: FileOp.CANCEL, reason: CancelReason.UNKNOWN });
    } catch (e) {
      this.#o.feed(as).warn(`a file transfer from ${conv.info.peer.name} failed: ${explain(e, { established: true }).sentence}`, { event: 'file-error', id, code: isSecureChatError(e) ? e.code : 'INTERNAL' });
    }
  }

  async #onOffer(as: string, conv: Conversation, id: string, manifest: Uint8Array): Promise<void> {
    const peer = conv.info.peer.name;
    const known = this.#in.get(id) ?? (await this.store(as).load(id).then((rec) => (rec === undefined ? undefined : { as, rec, run: null, conv: null })));
    if (known !== undefined) {
      if (known.rec.direction !== 'in' || known.rec.peer !== peer || known.rec.manifest !== toHex(manifest)) {
        conv.sendFile({ transfer: Buffer.from(id, 'hex'), op: FileOp.CANCEL, reason: CancelReason.INVALID });
        return;
      }
      this.#in.set(id, known);
      known.conv = conv;
      const s = known.rec.state;
      if (s === 'receiving') await this.#startIn(known);
      else if (s === 'done') conv.sendFile({ transfer: Buffer.from(id, 'hex'), op: FileOp.ACK, at: new TransferPlan(manifestOf(known.rec)).end });
      else if (s !== 'offered') conv.sendFile({ transfer: Buffer.from(id, 'hex'), op: FileOp.CANCEL, reason: s === 'declined' ? CancelReason.DECLINED : CancelReason.CANCELLED });
      return;
    }
    let m: Manifest;
    try {
      m = decodeManifest(manifest);
    } catch (e) {
      conv.sendFile({ transfer: Buffer.from(id, 'hex'), op: FileOp.CANCEL, reason: CancelReason.INVALID });
      throw e;
    }
    const waiting = [...this.#in.values()].filter((t) => t.as === as && t.rec.peer === peer && t.rec.state === 'offered').length;
    if (waiting >= MAX_PENDING_OFFERS_PER_PEER) {
      conv.sendFile({ transfer: Buffer.from(id, 'hex'), op: FileOp.CANCEL, reason: CancelReason.DECLINED });
      return;
    }
    const rec: TransferRecord = { id, direction: 'in', peer, manifest: toHex(manifest), createdAt: new Date().toISOString(), state: 'offered', position: { file: 0, chunk: 0 } };
    const t: In = { as, rec, run: null, conv };
    this.#in.set(id, t);
    await this.store(as).save(rec);
    const total = manifestBytes(m);
    const rule = await this.allowList(as).find(peer);
    if (rule !== undefined && total <= rule.maxBytes) {
      await this.accept(as, id, rule.into);
      return;
    }
    const names = m.entries.map((e) => e.path);
    this.#o.feed(as).status(
      `${peer} offers ${m.entries.length} file${m.entries.length === 1 ? '' : 's'} (${total} bytes): ${names.slice(0, 5).join(', ')}${names.length > 5 ? ', ...' : ''}; accept with \`securechat files accept ${id.slice(0, 8)}\` or decline with \`securechat files decline ${id.slice(0, 8)}\``,
      { event: 'file-offer', id, from: peer, total, files: m.entries.map((e) => ({ path: e.path, size: e.size })) },
    );
  }

  defaultInto(peer: string): string {
    return this.#o.downloads?.(peer) ?? join(homedir(), 'Downloads', 'securechat', safeComponent(peer));
  }

  /** The recipient accepts an offer (into `into`, default ~/Downloads/securechat/PEER). */
  async accept(as: string, id: string, into?: string): Promise<TransferRecord> {
    const t = this.#findIn(as, id);
    if (t.rec.state !== 'offered') throw localError('USAGE', `transfer ${t.rec.id.slice(0, 8)} is ${t.rec.state}, not waiting for an answer`);
    t.rec.into = resolve(into ?? this.defaultInto(t.rec.peer));
    t.rec.state = 'receiving';
    t.rec.saved = manifestOf(t.rec).entries.map(() => null);
    await this.store(as).save(t.rec);
    if (t.conv?.isOpen === true) await this.#startIn(t);
    return t.rec;
  }

  async decline(as: string, id: string): Promise<TransferRecord> {
    const t = this.#findIn(as, id);
    if (t.rec.state !== 'offered') throw localError('USAGE', `transfer ${t.rec.id.slice(0, 8)} is ${t.rec.state}, not waiting for an answer`);
    if (t.conv?.isOpen === true) t.conv.sendFile({ transfer: Buffer.from(t.rec.id, 'hex'), op: FileOp.CANCEL, reason: CancelReason.DECLINED });
    this.#in.delete(t.rec.id);
    await this.#finish(as, t.rec, 'declined');
    return t.rec;
  }

  /** Cancels a transfer either way; what was received stays only if whole files were saved. */
  async cancel(as: string, id: string): Promise<TransferRecord> {
    const full = this.#resolveId(as, id);
    const out = this.#out.get(full);
    if (out !== undefined) {
      out.cancelled = true;
      clearTimeout(out.timer);
      if (out.run !== null) out.run.cancel(CancelReason.CANCELLED);
      else await this.#finishOut(out, 'cancelled');
      return out.rec;
    }
    const t = this.#findIn(as, id);
    await t.run?.stop(CancelReason.CANCELLED);
    if (t.run === null && t.conv?.isOpen === true) t.conv.sendFile({ transfer: Buffer.from(t.rec.id, 'hex'), op: FileOp.CANCEL, reason: CancelReason.CANCELLED });
    t.run = null;
    this.#in.delete(t.rec.id);
    await this.#finish(as, t.rec, 'cancelled');
    return t.rec;
  }

  #resolveId(as: string, id: string): string {
    const all = [...this.#out.values(), ...this.#in.values()].filter((t) => t.as === as && t.rec.id.startsWith(id.toLowerCase()));
    if (id.length < 4 || all.length !== 1 || all[0] === undefined) throw localError('USAGE', `no single transfer of ${as} in progress has the ID ${id.slice(0, 32)}; see \`securechat files\``);
    return all[0].rec.id;
  }

  #findIn(as: string, id: string): In {
    const t = this.#in.get(this.#resolveId(as, id));
    if (t === undefined) throw localError('USAGE', `transfer ${id.slice(0, 32)} is not one you receive`);
    return t;
  }

  async #startIn(t: In): Promise<void> {
    if (t.conv === null) return;
    const m = manifestOf(t.rec);
    t.run ??= new IncomingRun(t.conv, t.rec, m);
    await t.run.start(t.conv);
    await this.store(t.as).save(t.rec);
    const plan = new TransferPlan(m);
    const from = plan.ordinal(t.rec.position);
    if (from > 0) this.#o.feed(t.as).status(`resuming the files from ${t.rec.peer} at chunk ${from} of ${plan.totalChunks}`, { event: 'file-resumed', id: t.rec.id, from: t.rec.peer, fromChunk: from, fromBytes: plan.bytesBefore(t.rec.position), chunks: plan.totalChunks });
    this.#tellProgress(t.as, t.rec, plan, t.rec.position);
  }

  async #onChunk(as: string, conv: Conversation, id: string, at: Position, offset: number, data: Uint8Array): Promise<void> {
    const t = this.#in.get(id);
    if (t === undefined || t.as !== as || t.run === null || t.run.conversation !== conv || t.rec.state !== 'receiving') {
      if (offset === 0) conv.sendFile({ transfer: Buffer.from(id, 'hex'), op: FileOp.CANCEL, reason: CancelReason.UNKNOWN });
      return;
    }
    let changed;
    try {
      changed = await t.run.onChunk(at, offset, data);
    } catch (e) {
      await t.run.stop(null);
      t.run = null;
      this.#in.delete(id);
      await this.#finish(as, t.rec, 'failed', isSecureChatError(e) ? e : undefined);
      return;
    }
    if (changed === null) return;
    const plan = new TransferPlan(manifestOf(t.rec));
    if (changed === 'done') {
      t.rec.lastRunChunks = t.run.storedChunks;
      t.run = null;
      this.#in.delete(id);
      this.#tellProgress(as, t.rec, plan, plan.end);
      await this.#finish(as, t.rec, 'done');
      return;
    }
    if (changed === 'file') await this.store(as).save(t.rec);
    this.#tellProgress(as, t.rec, plan, t.rec.position);
  }

  async #onCancel(as: string, conv: Conversation, id: string): Promise<void> {
    const t = this.#in.get(id);
    if (t === undefined || t.as !== as || t.rec.peer !== conv.info.peer.name) return;
    await t.run?.stop(null);
    t.run = null;
    this.#in.delete(id);
    await this.#finish(as, t.rec, 'cancelled', localError('CANCELLED', `${t.rec.peer} cancelled the transfer`));
  }

  /** In-memory facts about a transfer in progress (for `files`). */
  live(id: string): { readonly running: boolean } {
    return { running: (this.#out.get(id)?.run ?? this.#in.get(id)?.run ?? null) !== null };
  }
}
