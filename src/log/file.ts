/**
 * File adapter of the conversation log: one append-only file per user, its head record kept
 * in a separate file, one writer at a time (docs/LOG-FORMAT.md §6).
 *
 *   <userDir>/log/            0700
 *     messages.sclog          0600  header + records, append-only
 *     messages.sclog.head     0600  two head slots (count + last MAC, MAC'd), overwritten in turn
 *     messages.sclog.lock     0600  pid of the writer, while one is open
 *
 * Durability: `append` resolves once its record is written and fdatasync'd. The head that
 * vouches for it follows off the critical path (log format 2): written in place into the
 * current of two slots (page cache), fdatasync'd after HEAD_SYNC_EVERY commits or when the log
 * goes idle, and only then do the slots swap, so the other slot is always an older, durable head.
 * Order matters: the head is written only after the records it vouches for are durable, so
 * after a crash the head never vouches for a record that is not on disk; it may lag the log
 * (by the commits of one head write), which `open` brings up to date; a torn slot leaves the
 * other, older one. Appends that arrive together share one commit (see `LogWriter`).
 */
import { HEAD_SYNC_EVERY, HEAD_SYNC_IDLE_MS } from '../limits.js';
import { constants as fsc, promises as fsp, writeSync } from 'node:fs';
import { join } from 'node:path';
import { systemRandom, type RandomSource } from '../crypto/random.js';
import { localError } from '../errors.js';
import { atomicWriteFile, ensurePrivateDir, fsyncDir, readFileIfExists, storageError, writeTemp } from '../fs/private-files.js';
import { appendEvents, decodeHeadFile, type AppendManyResult, encodeHead, encodeHeadFile, newLog, type ChainState } from './chain.js';
import { EventKind, RepairAction, type LogEvent } from './event.js';
import { DEFAULT_CHECKPOINT_EVERY, HEAD_BYTES, MAX_LOG_FILE_BYTES } from './format.js';
import { deriveLogKeys, wipeLogKeys, type LogKeys } from './keys.js';
import { acquireLock, type LogLock } from './lock.js';
import { formatAnchor, verifyLog, type Anchor, type Problem, type VerifyResult } from './verify.js';

export interface LogPaths {
  readonly dir: string;
  readonly file: string;
  readonly head: string;
  readonly lock: string;
}

/** Paths of the log of the user whose directory is `userDir`. */
export function logPaths(userDir: string): LogPaths {
  return logPathsForFile(join(userDir, 'log', 'messages.sclog'));
}

/** Paths for a log file given directly (`log verify FILE`): head and lock sit next to it. */
export function logPathsForFile(file: string): LogPaths {
  return { dir: join(file, '..'), file, head: `${file}.head`, lock: `${file}.lock` };
}

export interface OpenLogOptions {
  readonly paths: LogPaths;
  /** The 32-byte log secret (see `loadLogSecret`). Not kept: keys are derived and the caller keeps its copy. */
  readonly secret: Uint8Array;
  readonly random?: RandomSource;
  /** A checkpoint record after this many records (default 64). */
  readonly checkpointEvery?: number;
  /**
   * While appends keep coming, the head file is fdatasync'd after at most this many group
   * commits (default {@link HEAD_SYNC_EVERY}); each commit's head is written to the page cache
   * at once either way (LOG-FORMAT.md §4.1).
   */
  readonly headSyncEvery?: number;
  /** How long without a commit before a head write not yet fdatasync'd is (default {@link HEAD_SYNC_IDLE_MS}). */
  readonly headSyncIdleMs?: number;
}

export { HEAD_SYNC_EVERY, HEAD_SYNC_IDLE_MS };

function invalid(p: Problem): Error {
  return localError('LOG_INVALID', `log invalid at entry ${p.index}: ${p.kind}: ${p.detail}`);
}

/** Reads and verifies a log without taking the lock (a live writer may be appending). */
export async function verifyLogFile(o: { paths: LogPaths; secret: Uint8Array; anchor?: Anchor; keepEntries?: boolean }): Promise<VerifyResult> {
  const head = await readFileIfExists(o.paths.head, HEAD_BYTES * 4);
  const file = await readFileIfExists(o.paths.file, MAX_LOG_FILE_BYTES);
  if (file === undefined && head === undefined) throw localError('NOT_INITIALISED', `there is no log at ${o.paths.file}`);
  const keys = deriveLogKeys(o.secret);
  try {
    return verifyLog(keys, file ?? new Uint8Array(0), {
      head, keepEntries: o.keepEntries ?? false, ...(o.anchor === undefined ? {} : { anchor: o.anchor }),
    });
  } finally {
    wipeLogKeys(keys);
  }
}

/** An append waiting for the next group commit. */
interface Waiting {
  readonly event: LogEvent;
  readonly resolve: (index: number) => void;
  readonly reject: (e: unknown) => void;
}

/**
 * The one writer of a log. Not safe for concurrent use from several processes (the lock
 * refuses a second one); within a process, concurrent `append` calls are ordered by call.
 *
 * Group commit: appends that arrive while a commit is being made durable wait and are then
 * made durable together, with one write and one fdatasync for all of them, then one head
 * write. Each append still resolves only once its own record is durable, and in call order.
 */
export class LogWriter {
  private state: ChainState;
  private waiting: Waiting[] = [];
  /** The commit in progress (resolves when it and every commit queued behind it are done). */
  private flushing: Promise<void> | null = null;
  private broken: Error | undefined;
  private closed = false;
  private commits = 0;
  /**
   * The head slot written now (page cache, not yet fdatasync'd); the other one holds an older
   * head that is durable. The two swap only after an fdatasync made this one durable.
   */
  private slot = 0;
  /** The newest durable state whose head is not written yet (waits while a head fdatasync runs). */
  private headDue: ChainState | null = null;
  /** Heads written to `slot` since its last fdatasync. */
  private unsynced = 0;
  /** The head fdatasync in progress. */
  private heading: Promise<void> | null = null;
  private idleTimer: NodeJS.Timeout | undefined;
  /** Commits when the idle timer was armed (it syncs only if none came since). */
  private commitsAtArm = 0;
  private headSyncEvery = HEAD_SYNC_EVERY;
  private headSyncIdleMs = HEAD_SYNC_IDLE_MS;

  private constructor(
    readonly paths: LogPaths,
    private readonly keys: LogKeys,
    private readonly fh: fsp.FileHandle,
    private readonly headFh: fsp.FileHandle,
    private readonly lock: LogLock,
    state: ChainState,
    private readonly random: RandomSource,
    private readonly checkpointEvery: number,
  ) {
    this.state = state;
  }

  /**
   * Opens (creating when absent) the log for appending. Takes the lock, verifies the whole log,
   * and refuses (`LOG_INVALID`) any log that does not verify, a torn tail included: only
   * {@link repairLog} changes a damaged log. A head that lags the log by whole records (a crash
   * between the log's fsync and the head's write) is brought up to date.
   */
  static async open(o: OpenLogOptions): Promise<LogWriter> {
    const keys = deriveLogKeys(o.secret);
    const random = o.random ?? saltPool();
    const every = o.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY;
    let lock: LogLock | undefined;
    let fh: fsp.FileHandle | undefined;
    let headFh: fsp.FileHandle | undefined;
    try {
      await ensurePrivateDir(o.paths.dir);
      lock = await acquireLock(o.paths.lock);
      const { state, slot } = await prepare(o.paths, keys, random);
      fh = await fsp.open(o.paths.file, fsc.O_WRONLY | fsc.O_APPEND);
      headFh = await fsp.open(o.paths.head, fsc.O_WRONLY);
      const w = new LogWriter(o.paths, keys, fh, headFh, lock, state, random, every);
      w.slot = slot;
      if (o.headSyncEvery !== undefined) {
        if (!Number.isSafeInteger(o.headSyncEvery) || o.headSyncEvery < 1) throw localError('USAGE', 'headSyncEvery must be a positive integer');
        w.headSyncEvery = o.headSyncEvery;
      }
      if (o.headSyncIdleMs !== undefined) {
        if (!Number.isFinite(o.headSyncIdleMs) || o.headSyncIdleMs < 0) throw localError('USAGE', 'headSyncIdleMs must be a non-negative number');
        w.headSyncIdleMs = o.headSyncIdleMs;
      }
      return w;
    } catch (e) {
      await fh?.close().catch(() => undefined);
      await headFh?.close().catch(() => undefined);
      await lock?.release().catch(() => undefined);
      wipeLogKeys(keys);
      throw e;
    }
  }

  /** Records in the log (events and checkpoints); the index the next record gets. */
  get count(): number {
    return this.state.count;
  }

  /** `count:mac-prefix`: write it down elsewhere to detect a later rollback (`log verify --anchor`). */
  get anchor(): string {
    return formatAnchor(this.state);
  }

  /** Group commits made so far (each: one write, one fdatasync, then one head write). */
  get commitCount(): number {
    return this.commits;
  }

  /**
   * Appends one event; resolves with its index once it is durable (its record written and
   * fdatasync'd; the head vouching for it follows, see {@link headWritten}). A malformed event
   * is refused (USAGE) and changes nothing. After an I/O failure the writer refuses every later
   * append: reopen it, which verifies what reached the disk.
   */
  append(event: LogEvent): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      this.waiting.push({ event, resolve, reject });
      // Started from a microtask, so that `flushing` is set before the loop can finish and
      // clear it; appends made in the same tick join this first commit.
      this.flushing ??= Promise.resolve().then(() => this.flushAll());
    });
  }

  /** Resolves when the head file durably vouches for every append resolved so far (its slot fdatasync'd). */
  async headWritten(): Promise<void> {
    for (;;) {
      if (this.heading !== null) await this.heading;
      else if (this.broken === undefined && (this.unsynced > 0 || this.headDue !== null)) {
        this.writeDueHead();
        await this.syncHead();
      } else return;
    }
  }

  /**
   * After a commit is durable: its head goes into the current slot at once (a page-cache write,
   * which survives the process being killed), and the slot is fdatasync'd after
   * `headSyncEvery` commits or once the log has been idle for HEAD_SYNC_IDLE_MS — not after
   * every commit, where a second fdatasync competed with the next commit's for the disk.
   */
  private scheduleHead(state: ChainState): void {
    this.headDue = state;
    if (this.heading !== null) return; // written into the other slot once this fdatasync is done
    this.writeDueHead();
    if (this.unsynced >= this.headSyncEvery) void this.syncHead();
    else this.armIdle();
  }

  private writeDueHead(): void {
    const s = this.headDue;
    if (s === null || this.broken !== undefined) return;
    this.headDue = null;
    try {
      writeAllSync(this.headFh.fd, encodeHead(this.keys, s), this.slot * HEAD_BYTES);
      this.unsynced++;
    } catch (e) {
      this.broken ??= e instanceof Error ? e : new Error(String(e));
    }
  }

  private armIdle(): void {
    if (this.idleTimer !== undefined) return;
    this.commitsAtArm = this.commits;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (this.heading !== null || this.unsynced === 0) return;
      if (this.commits === this.commitsAtArm) void this.syncHead();
      else this.armIdle();
    }, this.headSyncIdleMs);
    this.idleTimer.unref();
  }

  /** fdatasyncs the current slot, then swaps slots and writes the head that came due meanwhile. */
  private syncHead(): Promise<void> {
    if (this.heading !== null) return this.heading;
    const p = this.fsyncSlot().then(() => {
      this.heading = null;
      if (this.headDue === null) return;
      this.writeDueHead();
      if (this.unsynced >= this.headSyncEvery) void this.syncHead();
      else this.armIdle();
    });
    this.heading = p;
    return p;
  }

  private async fsyncSlot(): Promise<void> {
    if (this.unsynced === 0 || this.broken !== undefined) return;
    try {
      await this.headFh.datasync();
      this.unsynced = 0;
      this.slot ^= 1;
    } catch (e) {
      this.broken ??= e instanceof Error ? e : new Error(String(e));
    }
  }

  /** Commits batch after batch until nobody waits. */
  private async flushAll(): Promise<void> {
    try {
      while (this.waiting.length > 0) {
        const batch = this.waiting;
        this.waiting = [];
        await this.commit(batch);
      }
    } finally {
      this.flushing = null;
    }
  }

  /** One group commit: every record of `batch`, then one fdatasync; the head follows. */
  private async commit(batch: readonly Waiting[]): Promise<void> {
    if (this.closed || this.broken !== undefined) {
      const e = this.closed
        ? localError('STORAGE_ERROR', 'the log is closed')
        : localError('STORAGE_ERROR', 'an earlier write to the log failed; reopen it', this.broken);
      for (const w of batch) w.reject(e);
      return;
    }
    let r: AppendManyResult;
    try {
      r = appendEvents(this.keys, this.state, batch.map((w) => w.event), this.random, this.checkpointEvery);
    } catch (e) {
      for (const w of batch) w.reject(e); // the index limit, or a broken random source: nothing written
      return;
    }
    const done: { w: Waiting; index: number }[] = [];
    r.outcomes.forEach((o, i) => {
      const w = batch[i];
      if (w === undefined) return;
      if ('error' in o) w.reject(o.error); // a malformed event: refused, the others go on
      else done.push({ w, index: o.index });
    });
    if (done.length === 0) return;
    const state = r.state;
    try {
      // Synchronous: a page-cache write of one commit's records, measured cheaper than a trip
      // through the thread pool (the fdatasync that follows is the slow part, and stays async).
      writeAllSync(this.fh.fd, r.bytes);
      await this.fh.datasync();
    } catch (e) {
      this.broken = e instanceof Error ? e : new Error(String(e));
      const err = storageError('append to', this.paths.file, e);
      for (const d of done) d.w.reject(err);
      return;
    }
    this.state = state;
    this.commits++;
    this.scheduleHead(state);
    for (const d of done) d.w.resolve(d.index);
  }

  /** Waits for queued appends, closes the file, releases the lock, wipes the keys. */
  async close(): Promise<void> {
    if (this.closed) return;
    // Until neither a commit nor a head write is left (an append made meanwhile starts both).
    while (this.flushing !== null || this.heading !== null || (this.broken === undefined && (this.unsynced > 0 || this.headDue !== null))) {
      if (this.flushing !== null) await this.flushing;
      await this.headWritten();
    }
    this.closed = true;
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    try {
      await this.fh.close();
      await this.headFh.close();
    } finally {
      await this.lock.release();
      wipeLogKeys(this.keys);
    }
  }
}

/** Writes all of `bytes` at the file's end (O_APPEND), or at `position`. */
function writeAllSync(fd: number, bytes: Uint8Array, position?: number): void {
  let o = 0;
  while (o < bytes.length) {
    const n = writeSync(fd, bytes, o, bytes.length - o, position === undefined ? null : position + o);
    if (n <= 0) throw localError('STORAGE_ERROR', 'write made no progress');
    o += n;
  }
}

/**
 * The default source of the entries' salts (and a new log's id): the OS CSPRNG read 4 KiB at a time. Both are
 * public (written in the clear, §3), so holding the next ones in memory reveals nothing; one
 * read per 256 entries instead of one each (a measured 8 µs per entry).
 */
function saltPool(): RandomSource {
  let pool: Uint8Array = new Uint8Array(0);
  let at = 0;
  return (n) => {
    if (n > 1024) return systemRandom(n);
    if (at + n > pool.length) {
      pool = systemRandom(4096);
      at = 0;
    }
    const out = pool.slice(at, at + n);
    at += n;
    return out;
  };
}

/**
 * Under the lock: create the log if absent, else verify it; returns the chain state. Either
 * way the head file is then a format-2 head (two slots), one of them for that state: a
 * format-1 head (one record) is upgraded, a lagging head brought up to date and a torn slot
 * rewritten (one atomic replacement, at open only).
 */
async function prepare(paths: LogPaths, keys: LogKeys, random: RandomSource): Promise<{ state: ChainState; slot: number }> {
  const headBytes = await readFileIfExists(paths.head, HEAD_BYTES * 4);
  const file = await readFileIfExists(paths.file, MAX_LOG_FILE_BYTES);
  if (file === undefined) {
    if (headBytes !== undefined) {
      const d = decodeHeadFile(keys, headBytes);
      if (!d.ok || d.head.count > 0) {
        throw localError('LOG_INVALID', `the log file ${paths.file} is missing but its head is not empty: refusing to start a new log over it`);
      }
    }
    return { state: await create(paths, keys, random), slot: 0 };
  }
  const v = verifyLog(keys, file, { head: headBytes });
  if (!v.ok) throw invalid(v.problem);
  if (v.state === undefined) throw localError('INTERNAL', 'verified log without a state');
  const older = olderSlot(keys, headBytes, v.state);
  if (older !== undefined && v.headBehind === 0) return { state: v.state, slot: older };
  await atomicWriteFile(paths.head, encodeHeadFile(keys, v.state));
  return { state: v.state, slot: 0 };
}

/**
 * Of a format-2 head file whose two slots both authenticate for this log and one of which
 * vouches for all of `state`: the other slot (the next to overwrite). Otherwise undefined.
 */
function olderSlot(keys: LogKeys, b: Uint8Array | undefined, state: ChainState): number | undefined {
  if (b === undefined || b.length !== 2 * HEAD_BYTES) return undefined;
  const a = decodeHeadFile(keys, b.subarray(0, HEAD_BYTES), state.logId);
  const c = decodeHeadFile(keys, b.subarray(HEAD_BYTES), state.logId);
  if (!a.ok || !c.ok) return undefined;
  return a.head.count === state.count ? 1 : c.head.count === state.count ? 0 : undefined;
}

/** A new log: the file is written to a temp name, the head put in place, then the file renamed in. */
async function create(paths: LogPaths, keys: LogKeys, random: RandomSource): Promise<ChainState> {
  const { header, state } = newLog(keys, random);
  const tmp = await writeTemp(paths.file, header);
  try {
    await atomicWriteFile(paths.head, encodeHeadFile(keys, state));
    await fsp.rename(tmp, paths.file);
  } catch (e) {
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    throw storageError('create', paths.file, e);
  }
  await fsyncDir(paths.dir);
  return state;
}

export type RepairOutcome =
  | { readonly action: 'none'; readonly records: number }
  | { readonly action: typeof RepairAction.TRUNCATED_TORN_TAIL; readonly atIndex: number; readonly bytesRemoved: number; readonly records: number }
  | { readonly action: typeof RepairAction.REBUILT_HEAD; readonly atIndex: number; readonly records: number };

/**
 * The only operation that changes a damaged log, and only two kinds of damage:
 * - a torn tail: the incomplete last record is cut off (the file truncated to the verified
 *   prefix and fsync'd), the head rewritten;
 * - a missing or invalid head over a log that otherwise verifies: the head is rebuilt from the
 *   log (which accepts that a truncation before this moment can no longer be detected).
 * Either way a `log-repaired` event is then appended, so the repair itself is in the log.
 * Anything else (edits, deletions, truncation...) is refused with `LOG_INVALID`: evidence is
 * never destroyed. Takes the lock, like a writer.
 */
export async function repairLog(o: OpenLogOptions & { readonly now: number }): Promise<RepairOutcome> {
  const keys = deriveLogKeys(o.secret);
  let lock: LogLock | undefined;
  let outcome: RepairOutcome;
  try {
    lock = await acquireLock(o.paths.lock);
    const headBytes = await readFileIfExists(o.paths.head, HEAD_BYTES * 4);
    const file = await readFileIfExists(o.paths.file, MAX_LOG_FILE_BYTES);
    if (file === undefined) throw localError('NOT_INITIALISED', `there is no log at ${o.paths.file}`);
    const v = verifyLog(keys, file, { head: headBytes });
    if (v.ok) return { action: 'none', records: v.records };
    const p = v.problem;
    if (v.state === undefined) throw invalid(p);
    if (p.kind === 'torn-tail') {
      const h = await fsp.open(o.paths.file, fsc.O_WRONLY);
      try {
        await h.truncate(v.verifiedBytes);
        await h.sync();
      } finally {
        await h.close();
      }
      await atomicWriteFile(o.paths.head, encodeHeadFile(keys, v.state));
      outcome = { action: RepairAction.TRUNCATED_TORN_TAIL, atIndex: p.index, bytesRemoved: file.length - v.verifiedBytes, records: v.records };
    } else if (p.kind === 'head-invalid' && v.verifiedBytes === file.length) {
      await atomicWriteFile(o.paths.head, encodeHeadFile(keys, v.state));
      outcome = { action: RepairAction.REBUILT_HEAD, atIndex: p.index, records: v.records };
    } else {
      throw invalid(p);
    }
  } finally {
    await lock?.release().catch(() => undefined);
    wipeLogKeys(keys);
  }
  // Record the repair in the log itself (reopening verifies the repaired log from scratch).
  const w = await LogWriter.open(o);
  try {
    await w.append({
      kind: EventKind.LOG_REPAIRED, at: o.now, action: outcome.action, atIndex: outcome.atIndex,
      bytesRemoved: outcome.action === RepairAction.TRUNCATED_TORN_TAIL ? outcome.bytesRemoved : 0,
    });
    return { ...outcome, records: w.count };
  } finally {
    await w.close();
  }
}
