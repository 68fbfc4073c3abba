/**
 * Generator of test/vectors/files-v1.json (docs/FILES.md): STREAM nonces and sealed chunks,
 * manifests, FILE messages, and negative vectors naming the error code a receiver answers.
 * Run only when docs/FILES.md changes, together with it:
 *   npx tsc -p . && node dist/test/files/_vectors.js --write
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { concat, fromHex, toHex, u16be, u32be, u64be, u8, utf8 } from '../../src/crypto/bytes.js';
import { sha256 } from '../../src/crypto/hash.js';
import { encodeManifest, type Manifest } from '../../src/files/manifest.js';
import { encodeFileMessage, FILE_KIND, FileOp, CancelReason } from '../../src/files/messages.js';
import { sealStream, streamNonce } from '../../src/files/stream.js';
import { MIN_CHUNK_BYTES } from '../../src/files/limits.js';

export const VECTOR_FILE = fileURLToPath(new URL('../../../test/vectors/files-v1.json', import.meta.url));

/** The plaintext of a stream vector: byte i is i mod 251 (given by its length). */
export function pattern(n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = i % 251;
  return b;
}

const KEY = fromHex('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
const KEY2 = fromHex('202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f');
export const TRANSFER = fromHex('f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff');

export interface StreamVector {
  readonly name: string;
  readonly key: string;
  readonly chunk_size: number;
  readonly plaintext_length: number;
  /** Per chunk: nonce, sealed length, SHA-256 of the sealed bytes, the tag (its last 16 bytes), and the whole sealed hex when short. */
  readonly chunks: { nonce: string; sealed_length: number; sealed_sha256: string; tag: string; sealed?: string }[];
}

function streamVector(name: string, n: number): StreamVector {
  const cs = MIN_CHUNK_BYTES;
  const sealed = sealStream(KEY, cs, pattern(n));
  return {
    name, key: toHex(KEY), chunk_size: cs, plaintext_length: n,
    chunks: sealed.map((s, i) => ({
      nonce: toHex(streamNonce(i, i === sealed.length - 1)), sealed_length: s.length, sealed_sha256: toHex(sha256(s)), tag: toHex(s.subarray(s.length - 16)),
      ...(s.length <= 64 ? { sealed: toHex(s) } : {}),
    })),
  };
}

export function sampleManifest(): Manifest {
  return {
    chunkSize: MIN_CHUNK_BYTES,
    entries: [
      { path: 'notes.txt', size: 1, sha256: sha256(pattern(1)), key: KEY },
      { path: 'photos/2026/été.jpg', size: MIN_CHUNK_BYTES + 1, sha256: sha256(pattern(MIN_CHUNK_BYTES + 1)), key: KEY2 },
    ],
  };
}

/** A manifest with raw fields (to build what the encoder refuses). */
function rawManifest(o: { version?: number; chunkSize?: number; count?: number; entries: { path: Uint8Array; size: Uint8Array }[]; trailing?: Uint8Array }): Uint8Array {
  const parts = [u8(o.version ?? 1), u32be(o.chunkSize ?? MIN_CHUNK_BYTES), u32be(o.count ?? o.entries.length)];
  for (const e of o.entries) parts.push(u16be(e.path.length), e.path, e.size, new Uint8Array(32).fill(1), new Uint8Array(32).fill(2));
  if (o.trailing !== undefined) parts.push(o.trailing);
  return concat(...parts);
}
const one = (path: string | Uint8Array, size = u64be(1)): { path: Uint8Array; size: Uint8Array } => ({ path: typeof path === 'string' ? utf8(path) : path, size });

export function vectors(): object {
  const hex = toHex;
  const m = sampleManifest();
  const manifestNegatives = [
    ['a "../x" path', rawManifest({ entries: [one('../x')] }), 'FILE_PATH_UNSAFE'],
    ['a "a/../../x" path', rawManifest({ entries: [one('a/../../x')] }), 'FILE_PATH_UNSAFE'],
    ['an absolute path', rawManifest({ entries: [one('/etc/passwd')] }), 'FILE_PATH_UNSAFE'],
    ['a drive-letter path', rawManifest({ entries: [one('C:evil.exe')] }), 'FILE_PATH_UNSAFE'],
    ['a backslash path', rawManifest({ entries: [one('..\\x')] }), 'FILE_PATH_UNSAFE'],
    ['a NUL in a name', rawManifest({ entries: [one('a\u0000b')] }), 'FILE_PATH_UNSAFE'],
    ['a newline in a name', rawManifest({ entries: [one('a\nb')] }), 'FILE_PATH_UNSAFE'],
    ['a right-to-left override in a name', rawManifest({ entries: [one('txt.\u202eexe')] }), 'FILE_PATH_UNSAFE'],
    ['an empty component', rawManifest({ entries: [one('a//b')] }), 'FILE_PATH_UNSAFE'],
    ['a "." component', rawManifest({ entries: [one('./a')] }), 'FILE_PATH_UNSAFE'],
    ['a path that is not UTF-8', rawManifest({ entries: [one(Uint8Array.of(0x61, 0xff))] }), 'FILE_PATH_UNSAFE'],
    ['an empty path', rawManifest({ entries: [one(new Uint8Array(0))] }), 'FILE_PATH_UNSAFE'],
    ['a size above 1 TiB', rawManifest({ entries: [one('big', u64be(2 ** 40 + 1))] }), 'FILE_MANIFEST_INVALID'],
    ['a size above 2^53-1', rawManifest({ entries: [one('big', fromHex('ffffffffffffffff'))] }), 'FILE_MANIFEST_INVALID'],
    ['10^6 entries announced', rawManifest({ count: 1_000_000, entries: [one('a')] }), 'FILE_MANIFEST_INVALID'],
    ['1001 entries announced', rawManifest({ count: 1001, entries: [one('a')] }), 'FILE_MANIFEST_INVALID'],
    ['zero entries', rawManifest({ entries: [] }), 'FILE_MANIFEST_INVALID'],
    ['two entries announced, one present', rawManifest({ count: 2, entries: [one('a')] }), 'FILE_MANIFEST_INVALID'],
    ['a trailing byte', rawManifest({ entries: [one('a')], trailing: u8(0) }), 'FILE_MANIFEST_INVALID'],
    ['version 2', rawManifest({ version: 2, entries: [one('a')] }), 'FILE_MANIFEST_INVALID'],
    ['chunk size 64 KiB (below 256 KiB)', rawManifest({ chunkSize: 65_536, entries: [one('a')] }), 'FILE_MANIFEST_INVALID'],
    ['chunk size 2 MiB (above 1 MiB)', rawManifest({ chunkSize: 2 * 1024 * 1024, entries: [one('a')] }), 'FILE_MANIFEST_INVALID'],
    ['chunk size not a multiple of 4 KiB', rawManifest({ chunkSize: MIN_CHUNK_BYTES + 1, entries: [one('a')] }), 'FILE_MANIFEST_INVALID'],
    ['the same path twice', rawManifest({ entries: [one('a'), one('a')] }), 'FILE_MANIFEST_INVALID'],
    ['the same path twice, differing in case', rawManifest({ entries: [one('Read.me'), one('read.ME')] }), 'FILE_MANIFEST_INVALID'],
    ['a file that is also a folder', rawManifest({ entries: [one('a'), one('a/b')] }), 'FILE_MANIFEST_INVALID'],
  ].map(([name, bytes, error]) => ({ name, bytes: hex(bytes as Uint8Array), error }));

  const pos = (file: number, chunk: number): { file: number; chunk: number } => ({ file, chunk });
  const messages = [
    ['OFFER', { kind: FILE_KIND, transfer: TRANSFER, op: FileOp.OFFER, manifest: encodeManifest(m) }],
    ['ACCEPT from the start', { kind: FILE_KIND, transfer: TRANSFER, op: FileOp.ACCEPT, at: pos(0, 0) }],
    ['ACCEPT resuming at chunk 1 of file 1', { kind: FILE_KIND, transfer: TRANSFER, op: FileOp.ACCEPT, at: pos(1, 1) }],
    ['CHUNK fragment at offset 61440', { kind: FILE_KIND, transfer: TRANSFER, op: FileOp.CHUNK, at: pos(1, 0), offset: 61_440, data: utf8('sealed bytes') }],
    ['ACK: everything stored (the end position)', { kind: FILE_KIND, transfer: TRANSFER, op: FileOp.ACK, at: pos(2, 0) }],
    ['CANCEL: declined', { kind: FILE_KIND, transfer: TRANSFER, op: FileOp.CANCEL, reason: CancelReason.DECLINED }],
  ] as const;
  const head = (op: number): Uint8Array => concat(u8(FILE_KIND), TRANSFER, u8(op));
  const messageNegatives = [
    ['an all-zero transfer id', concat(u8(FILE_KIND), new Uint8Array(16), u8(FileOp.CANCEL), u8(1))],
    ['an unknown op', concat(head(0x06))],
    ['an empty OFFER', head(FileOp.OFFER)],
    ['ACCEPT with a trailing byte', concat(head(FileOp.ACCEPT), u32be(0), u64be(0), u8(0))],
    ['ACK truncated', concat(head(FileOp.ACK), u32be(0))],
    ['CANCEL with reason 0', concat(head(FileOp.CANCEL), u8(0))],
    ['CHUNK without data', concat(head(FileOp.CHUNK), u32be(0), u64be(0), u32be(0))],
    ['CHUNK with 61441 bytes of data', concat(head(FileOp.CHUNK), u32be(0), u64be(0), u32be(0), new Uint8Array(61_441))],
    ['a transfer id cut short', concat(u8(FILE_KIND), TRANSFER.subarray(0, 8))],
  ].map(([name, bytes]) => ({ name, bytes: hex(bytes as Uint8Array), error: 'DECODE_ERROR' }));

  return {
    description: 'docs/FILES.md: STREAM over AES-256-GCM (nonce = 11-byte big-endian counter || last flag, empty AAD), manifests, FILE application messages (kind 0x20). Stream plaintexts are byte i = i mod 251, given by length.',
    stream: [
      streamVector('an empty file: one empty last chunk', 0),
      streamVector('one byte', 1),
      streamVector('exactly one chunk (the last, full)', MIN_CHUNK_BYTES),
      streamVector('one chunk and one byte', MIN_CHUNK_BYTES + 1),
    ],
    stream_negative: [
      { name: 'a bit flipped in chunk 0', of: 3, op: 'flip', chunk: 0, error: 'FILE_CHUNK_AUTH' },
      { name: 'chunks 0 and 1 swapped', of: 3, op: 'swap', chunk: 0, error: 'FILE_CHUNK_AUTH' },
      { name: 'chunk 0 dropped', of: 3, op: 'drop', chunk: 0, error: 'FILE_CHUNK_AUTH' },
      { name: 'chunk 0 duplicated', of: 3, op: 'duplicate', chunk: 0, error: 'FILE_CHUNK_AUTH' },
      { name: 'the last chunk dropped (truncated)', of: 3, op: 'drop', chunk: 1, error: 'FILE_TRUNCATED' },
      { name: 'the last chunk repeated after it', of: 3, op: 'duplicate', chunk: 1, error: 'FILE_CHUNK_ORDER' },
    ],
    manifest: [{ name: 'two files, one in nested folders', chunk_size: m.chunkSize, entries: m.entries.map((e) => ({ path: e.path, size: e.size, sha256: hex(e.sha256), key: hex(e.key) })), bytes: hex(encodeManifest(m)) }],
    manifest_negative: manifestNegatives,
    messages: messages.map(([name, msg]) => ({ name, bytes: hex(encodeFileMessage(msg)) })),
    messages_negative: messageNegatives,
  };
}

export function render(): string {
  return `${JSON.stringify(vectors(), null, 2)}\n`;
}

if (process.argv.includes('--write')) writeFileSync(VECTOR_FILE, render());
