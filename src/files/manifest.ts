/**
 * The manifest of a transfer (docs/FILES.md §2): what will be sent, before any byte of it.
 *
 *   manifest = version:u8 (1) || chunk_size:u32 || count:u32 || entry × count
 *   entry    = path_len:u16 || path:UTF-8 || size:u64 || sha256:[32] || key:[32]
 *
 * `key` is the file's fresh random AES-256-GCM key for STREAM (stream.ts); the manifest only
 * ever travels inside the conversation's encryption. Decoding is total: every refusal is a
 * SecureChatError with FILE_MANIFEST_INVALID (structure, sizes, counts) or FILE_PATH_UNSAFE
 * (a path that could land outside the receiving folder), checked before anything is stored.
 */
import { concat, u16be, u32be, u64be, u8, utf8 } from '../crypto/bytes.js';
import { isSecureChatError, localError, remoteError, type SecureChatError } from '../errors.js';
import { Reader } from '../wire/codec.js';
import { pathProblem } from './paths.js';
import {
  CHUNK_ALIGN_BYTES, FILE_KEY_BYTES, MANIFEST_VERSION, MAX_CHUNK_BYTES, MAX_FILE_BYTES, MAX_MANIFEST_ENTRIES, MAX_PATH_BYTES,
  MAX_TRANSFER_BYTES, MIN_CHUNK_BYTES,
} from './limits.js';

export interface ManifestEntry {
  readonly path: string;
  readonly size: number;
  readonly sha256: Uint8Array;
  readonly key: Uint8Array;
}

export interface Manifest {
  readonly chunkSize: number;
  readonly entries: readonly ManifestEntry[];
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
/** Bytes of an entry besides its path. */
const ENTRY_FIXED = 2 + 8 + 32 + FILE_KEY_BYTES;

function invalid(detail: string): SecureChatError {
  return remoteError('FILE_MANIFEST_INVALID', `manifest: ${detail}`);
}

/** Why `m` is not a manifest this format allows: [code, detail], or undefined. */
export function manifestProblem(m: Manifest): SecureChatError | undefined {
  if (!Number.isInteger(m.chunkSize) || m.chunkSize < MIN_CHUNK_BYTES || m.chunkSize > MAX_CHUNK_BYTES || m.chunkSize % CHUNK_ALIGN_BYTES !== 0) {
    return invalid(`chunk size ${m.chunkSize} (${MIN_CHUNK_BYTES}..${MAX_CHUNK_BYTES}, a multiple of ${CHUNK_ALIGN_BYTES})`);
  }
  if (m.entries.length < 1 || m.entries.length > MAX_MANIFEST_ENTRIES) return invalid(`${m.entries.length} entries (1..${MAX_MANIFEST_ENTRIES})`);
  let total = 0;
  const seen = new Set<string>();
  const folders = new Set<string>();
  for (const e of m.entries) {
    const problem = pathProblem(e.path);
    if (problem !== undefined) return remoteError('FILE_PATH_UNSAFE', `manifest: ${problem}`);
    if (!Number.isSafeInteger(e.size) || e.size < 0 || e.size > MAX_FILE_BYTES) return invalid(`a file of ${e.size} bytes (at most ${MAX_FILE_BYTES})`);
    total += e.size;
    if (total > MAX_TRANSFER_BYTES) return invalid(`more than ${MAX_TRANSFER_BYTES} bytes in all`);
    if (e.sha256.length !== 32 || e.key.length !== FILE_KEY_BYTES) return invalid('a hash or key of the wrong length');
    // Compared case-folded: on a case-insensitive file system "A" and "a" are one file.
    const folded = e.path.normalize('NFC').toLowerCase();
    if (seen.has(folded) || folders.has(folded)) return invalid('two entries with the same path');
    seen.add(folded);
    const parts = folded.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (seen.has(dir)) return invalid('a file that is also a folder of another entry');
      folders.add(dir);
    }
  }
  return undefined;
}

export function encodeManifest(m: Manifest): Uint8Array {
  const p = manifestProblem(m);
  if (p !== undefined) throw localError(p.code, p.detail);
  const parts: Uint8Array[] = [u8(MANIFEST_VERSION), u32be(m.chunkSize), u32be(m.entries.length)];
  for (const e of m.entries) {
    const path = utf8(e.path);
    parts.push(u16be(path.length), path, u64be(e.size), e.sha256, e.key);
  }
  return concat(...parts);
}

export function decodeManifest(b: Uint8Array): Manifest {
  try {
    const r = new Reader(b, 'manifest');
    const version = r.u8();
    if (version !== MANIFEST_VERSION) throw invalid(`version ${version}`);
    const chunkSize = r.u32();
    const count = r.u32();
    // Checked before any entry is read: a count the bytes cannot hold costs nothing.
    if (count < 1 || count > MAX_MANIFEST_ENTRIES) throw invalid(`${count} entries (1..${MAX_MANIFEST_ENTRIES})`);
    if (count * (ENTRY_FIXED + 1) > b.length) throw invalid(`${count} entries in ${b.length} bytes`);
    const entries: ManifestEntry[] = [];
    for (let i = 0; i < count; i++) {
      const pathBytes = r.opaque16(1, MAX_PATH_BYTES);
      let path: string;
      try {
        path = UTF8.decode(pathBytes);
      } catch {
        throw remoteError('FILE_PATH_UNSAFE', 'manifest: a path that is not UTF-8');
      }
      const size = r.u64();
      entries.push({ path, size, sha256: r.fixed(32), key: r.fixed(FILE_KEY_BYTES) });
    }
    r.finish();
    const m: Manifest = { chunkSize, entries };
    const p = manifestProblem(m);
    if (p !== undefined) throw p;
    return m;
  } catch (e) {
    if (isSecureChatError(e) && e.code !== 'DECODE_ERROR') throw e;
    if (isSecureChatError(e) && /field length \d+ outside 1\.\./.test(e.detail)) throw remoteError('FILE_PATH_UNSAFE', `manifest: ${e.detail}`, e);
    throw remoteError('FILE_MANIFEST_INVALID', isSecureChatError(e) ? e.detail : 'manifest: malformed', e);
  }
}

/** Sum of the sizes. */
export function manifestBytes(m: Manifest): number {
  return m.entries.reduce((n, e) => n + e.size, 0);
}
