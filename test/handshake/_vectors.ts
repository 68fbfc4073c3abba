/**
 * Generator of test/vectors/handshake-v1.json (see test/vectors/README.md, "Handshake").
 * Every random draw is fixed: the machines' RandomSource is deterministicRandom(seed), and
 * OPAQUE's own draws (globalThis.crypto.getRandomValues) are redirected, around each call of
 * one party, to that party's own deterministic stream. So replaying the recorded frames into a
 * fresh machine built from the same seeds reproduces its answers byte for byte.
 *
 * Write the file: `npx tsc -p . && node dist/test/handshake/_vectors.js --write`
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createServerSetup, opaqueReady, registerLocally, KSF_TEST } from '../../src/crypto/opaque.js';
import { deterministicRandom, type RandomSource } from '../../src/crypto/random.js';
import { ed25519PublicFromSeed } from '../../src/crypto/ecc.js';
import { ALL_SUITE_IDS, type SuiteId as Suite } from '../../src/crypto/aead.js';
import { fromHex, toHex, utf8, concat } from '../../src/crypto/bytes.js';
import { isSecureChatError } from '../../src/errors.js';
import { FrameDecoder, FrameType, encodeFrame, type Frame } from '../../src/wire/frame.js';
import type { StepOutput } from '../../src/handshake/machine.js';
import { Initiator } from '../../src/handshake/initiator.js';
import { Responder } from '../../src/handshake/responder.js';
import type { HandshakeResult } from '../../src/handshake/result.js';
import { fixCrc } from './_harness.js';
import { rewriteCH, rewriteCF, rewriteSH } from './_mitm.js';

export const VECTOR_PATH = fileURLToPath(new URL('../../../test/vectors/handshake-v1.json', import.meta.url));

/** Runs `fn` with OPAQUE's randomness (globalThis.crypto.getRandomValues) drawn from `src`. */
export function withOpaqueRandom<T>(src: RandomSource, fn: () => T): T {
  const c = globalThis.crypto;
  const own = Object.getOwnPropertyDescriptor(c, 'getRandomValues');
  const fixed = <A extends ArrayBufferView | null>(a: A): A => {
    if (a !== null) new Uint8Array(a.buffer, a.byteOffset, a.byteLength).set(src(a.byteLength));
    return a;
  };
  Object.defineProperty(c, 'getRandomValues', { value: fixed, configurable: true, writable: true });
  try {
    return fn();
  } finally {
    // Back to the prototype's method (or the own property there was before).
    if (own === undefined) Reflect.deleteProperty(c, 'getRandomValues');
    else Object.defineProperty(c, 'getRandomValues', own);
  }
}

export interface PartyInputs {
  readonly name: string;
  readonly identity_seed: string;
  readonly identity_public: string;
  /** Seed of deterministicRandom for the machine's RandomSource. */
  readonly random_seed: string;
  /** Seed of deterministicRandom that replaces getRandomValues during this party's calls. */
  readonly opaque_random_seed: string;
}

export interface PositiveCase {
  readonly suite: number;
  readonly suites_offered: number[];
  readonly initiator: PartyInputs;
  readonly responder: PartyInputs & { readonly suites_allowed: number[] };
  readonly frames: { client_hello: string; server_hello: string; client_finish: string; server_finish: string };
  readonly keys: { root: string; chain_i2r: string; chain_r2i: string; session_id: string; transcript_hash: string };
}

export interface NegativeCase {
  readonly name: string;
  /** Index into `cases`: the machine is built from that case's inputs. */
  readonly case: number;
  /** Which machine receives `deliver` (the initiator calls start() first). */
  readonly target: 'initiator' | 'responder';
  /** Byte chunks delivered in order through a frame decoder (then end of stream). */
  readonly deliver: string[];
  readonly error: string;
}

export interface HandshakeVectorFile {
  readonly description: string;
  readonly spec: string;
  readonly account: string;
  readonly password: string;
  readonly ksf: { memoryKiB: number; iterations: number; parallelism: number };
  readonly server_setup_random_seed: string;
  readonly server_setup: string;
  readonly registration_random_seed: string;
  readonly record: string;
  readonly cases: PositiveCase[];
  readonly negative: NegativeCase[];
}

const ACCOUNT = 'alice';
const PASSWORD = utf8('correct horse battery staple');

function party(name: string, seedByte: number, tag: string): PartyInputs {
  const seed = new Uint8Array(32).fill(seedByte);
  return { name, identity_seed: toHex(seed), identity_public: toHex(ed25519PublicFromSeed(seed)), random_seed: `sc1 vector ${tag}`, opaque_random_seed: `sc1 vector ${tag} opaque` };
}

/** A machine plus its OPAQUE randomness, each call wrapped. */
export interface Driven {
  start(): Uint8Array;
  receive(chunk: Uint8Array): { send: Uint8Array[]; result?: HandshakeResult };
  /** The stream ended (FRAME_TRUNCATED inside a frame). */
  end(): void;
}

export function buildInitiator(f: Pick<HandshakeVectorFile, 'account' | 'password'>, c: PositiveCase): Driven {
  const opaqueRandom = deterministicRandom(c.initiator.opaque_random_seed);
  const m = new Initiator({
    account: f.account, password: fromHex(f.password), suites: c.suites_offered as Suite[], random: deterministicRandom(c.initiator.random_seed),
    identity: { seed: fromHex(c.initiator.identity_seed), publicKey: fromHex(c.initiator.identity_public), name: c.initiator.name },
    checkPeer: () => null,
  });
  return drive(opaqueRandom, () => m.start(), (fr) => m.receive(fr));
}

export function buildResponder(f: Pick<HandshakeVectorFile, 'account' | 'server_setup' | 'record' | 'ksf'>, c: PositiveCase): Driven {
  const opaqueRandom = deterministicRandom(c.responder.opaque_random_seed);
  const m = new Responder({
    account: f.account, serverSetup: f.server_setup, record: fromHex(f.record), ksf: f.ksf, suites: c.responder.suites_allowed as Suite[],
    random: deterministicRandom(c.responder.random_seed),
    identity: { seed: fromHex(c.responder.identity_seed), publicKey: fromHex(c.responder.identity_public), name: c.responder.name },
    checkPeer: () => null,
  });
  return drive(opaqueRandom, () => { throw new Error('a responder does not start'); }, (fr) => m.receive(fr));
}

function drive(src: RandomSource, start: () => Uint8Array, receive: (f: Frame) => StepOutput): Driven {
  const dec = new FrameDecoder();
  return {
    start: () => withOpaqueRandom(src, start),
    receive: (chunk) => withOpaqueRandom(src, () => {
      const send: Uint8Array[] = [];
      let result: HandshakeResult | undefined;
      for (const f of dec.push(chunk)) {
        const o = receive(f);
        send.push(...o.send);
        if (o.result !== undefined) result = o.result;
      }
      return result === undefined ? { send } : { send, result };
    }),
    end: () => dec.end(),
  };
}

/** Feeds a negative vector to a fresh machine; returns the error code (or 'NONE'). */
export function replayNegative(f: HandshakeVectorFile, n: NegativeCase): string {
  const c = f.cases[n.case];
  if (c === undefined) throw new Error('no such case');
  const m = n.target === 'initiator' ? buildInitiator(f, c) : buildResponder(f, c);
  try {
    if (n.target === 'initiator') m.start();
    for (const chunk of n.deliver) {
      const o = m.receive(fromHex(chunk));
      if (o.result !== undefined) return 'ACCEPTED';
    }
    m.end();
    return 'NONE';
  } catch (e) {
    if (isSecureChatError(e)) return e.code;
    throw e;
  }
}

const flip = (frame: Uint8Array, at: number): Uint8Array => {
  const b = frame.slice();
  b[at]! ^= 0x01;
  return fixCrc(b);
};

export async function generateHandshakeVectors(): Promise<HandshakeVectorFile> {
  await opaqueReady;
  const setupSeed = 'sc1 vector server setup';
  const regSeed = 'sc1 vector registration';
  const serverSetup = withOpaqueRandom(deterministicRandom(setupSeed), createServerSetup);
  const record = withOpaqueRandom(deterministicRandom(regSeed), () => registerLocally(serverSetup, ACCOUNT, PASSWORD, KSF_TEST));
  const base = {
    account: ACCOUNT, password: toHex(PASSWORD), ksf: { ...KSF_TEST }, server_setup: serverSetup, record: toHex(record),
  };
  const cases: PositiveCase[] = [];
  for (const suite of ALL_SUITE_IDS) {
    const c0 = {
      suite, suites_offered: [suite],
      initiator: party('bob', 0xb0, `suite ${suite} initiator`),
      responder: { ...party(ACCOUNT, 0xa1, `suite ${suite} responder`), suites_allowed: [1, 2, 3] },
    };
    const i = buildInitiator(base, { ...c0, frames: { client_hello: '', server_hello: '', client_finish: '', server_finish: '' }, keys: { root: '', chain_i2r: '', chain_r2i: '', session_id: '', transcript_hash: '' } });
    const r = buildResponder(base, { ...c0, frames: { client_hello: '', server_hello: '', client_finish: '', server_finish: '' }, keys: { root: '', chain_i2r: '', chain_r2i: '', session_id: '', transcript_hash: '' } });
    const ch = i.start();
    const sh = r.receive(ch).send[0]!;
    const cf = i.receive(sh).send[0]!;
    const ro = r.receive(cf);
    const sf = ro.send[0]!;
    const io = i.receive(sf);
    const a = io.result!;
    const b = ro.result!;
    if (toHex(a.transcriptHash) !== toHex(b.transcriptHash) || toHex(a.root) !== toHex(b.root)) throw new Error('the two sides disagree');
    cases.push({
      ...c0,
      frames: { client_hello: toHex(ch), server_hello: toHex(sh), client_finish: toHex(cf), server_finish: toHex(sf) },
      keys: { root: toHex(a.root), chain_i2r: toHex(a.chainI2R), chain_r2i: toHex(a.chainR2I), session_id: toHex(a.sessionId), transcript_hash: toHex(a.transcriptHash) },
    });
  }
  const c = cases[0]!;
  const CH = fromHex(c.frames.client_hello);
  const SH = fromHex(c.frames.server_hello);
  const CF = fromHex(c.frames.client_finish);
  const SF = fromHex(c.frames.server_finish);
  const hex = (...b: Uint8Array[]): string[] => b.map(toHex);
  const negative: NegativeCase[] = [
    { name: 'ClientHello with a bad CRC', case: 0, target: 'responder', deliver: hex((() => { const x = CH.slice(); x[100]! ^= 1; return x; })()), error: 'FRAME_CORRUPT' },
    { name: 'ClientHello truncated (stream ends)', case: 0, target: 'responder', deliver: hex(CH.subarray(0, 500)), error: 'FRAME_TRUNCATED' },
    { name: 'ClientHello with a trailing byte', case: 0, target: 'responder', deliver: hex(encodeFrame(FrameType.CLIENT_HELLO, concat(CH.subarray(6, CH.length - 4), Uint8Array.of(0))).raw), error: 'DECODE_ERROR' },
    { name: 'ClientHello offering only version 2', case: 0, target: 'responder', deliver: hex(rewriteCH(CH, (m) => ({ ...m, versions: [2] }))), error: 'UNSUPPORTED_VERSION' },
    { name: 'ClientHello offering only unknown suites', case: 0, target: 'responder', deliver: hex(rewriteCH(CH, (m) => ({ ...m, suites: [0x42, 0x43] }))), error: 'NO_COMMON_SUITE' },
    { name: 'suite list rewritten by a MITM, then the genuine ClientFinish', case: 0, target: 'responder', deliver: hex(rewriteCH(CH, (m) => ({ ...m, suites: [1, 2] })), CF), error: 'AUTH_FAILED' },
    { name: 'bit flip in the ML-KEM key (CRC fixed), then the genuine ClientFinish', case: 0, target: 'responder', deliver: hex(flip(CH, CH.length - 4 - 10), CF), error: 'AUTH_FAILED' },
    { name: 'ClientFinish with a bit flip in KE3 (CRC fixed)', case: 0, target: 'responder', deliver: hex(CH, flip(CF, 6 + 2 + 5)), error: 'AUTH_FAILED' },
    { name: 'ClientFinish with a bit flip in the sealed block (CRC fixed)', case: 0, target: 'responder', deliver: hex(CH, flip(CF, CF.length - 4 - 3)), error: 'AUTH_FAILED' },
    { name: 'ClientFinish with an empty sealed field', case: 0, target: 'responder', deliver: hex(CH, rewriteCF(CF, (m) => ({ ...m, sealed: new Uint8Array(0) }))), error: 'DECODE_ERROR' },
    { name: 'ClientFinish before ClientHello', case: 0, target: 'responder', deliver: hex(CF), error: 'UNEXPECTED_MESSAGE' },
    { name: 'ClientHello reflected back after ServerHello', case: 0, target: 'responder', deliver: hex(CH, CH), error: 'UNEXPECTED_MESSAGE' },
    { name: 'ALERT handshake_failed instead of ClientFinish', case: 0, target: 'responder', deliver: hex(CH, encodeFrame(FrameType.ALERT, Uint8Array.of(1)).raw), error: 'PEER_ALERT' },
    { name: 'ServerHello choosing a suite not offered', case: 0, target: 'initiator', deliver: hex(rewriteSH(SH, (m) => ({ ...m, suite: 2 }))), error: 'NO_COMMON_SUITE' },
    { name: 'ServerHello choosing version 2', case: 0, target: 'initiator', deliver: hex(rewriteSH(SH, (m) => ({ ...m, version: 2 }))), error: 'UNSUPPORTED_VERSION' },
    { name: 'ServerHello asking for 17 Argon2id iterations', case: 0, target: 'initiator', deliver: hex(rewriteSH(SH, (m) => ({ ...m, ksfIterations: 17 }))), error: 'KSF_PARAMS_REFUSED' },
    { name: 'ServerHello with a bit flip in KE2 (CRC fixed)', case: 0, target: 'initiator', deliver: hex(flip(SH, 6 + 1 + 1 + 32 + 9 + 2 + 100)), error: 'AUTH_FAILED' },
    { name: 'ServerHello with a bit flip in the ML-KEM ciphertext, then the genuine ServerFinish', case: 0, target: 'initiator', deliver: hex(flip(SH, SH.length - 4 - 10), SF), error: 'AUTH_FAILED' },
    { name: 'ServerHello with a bit flip in the nonce, then the genuine ServerFinish', case: 0, target: 'initiator', deliver: hex(flip(SH, 6 + 2 + 3), SF), error: 'AUTH_FAILED' },
    { name: 'ServerFinish with a bit flip in the sealed block (CRC fixed)', case: 0, target: 'initiator', deliver: hex(SH, flip(SF, SF.length - 4 - 20)), error: 'AUTH_FAILED' },
    { name: 'ServerFinish of the AES-GCM case replayed into the ChaCha20 case', case: 1, target: 'initiator', deliver: hex(fromHex(cases[1]!.frames.server_hello), SF), error: 'AUTH_FAILED' },
    { name: 'ServerFinish before ServerHello', case: 0, target: 'initiator', deliver: hex(SF), error: 'UNEXPECTED_MESSAGE' },
    { name: 'frame of length zero', case: 0, target: 'initiator', deliver: hex(fixCrc(Uint8Array.of(1, 2, 0, 0, 0, 0, 0, 0, 0, 0))), error: 'FRAME_MALFORMED' },
    { name: 'frame header announcing 66 561 bytes', case: 0, target: 'initiator', deliver: hex(Uint8Array.of(1, 2, 0, 1, 4, 1)), error: 'FRAME_TOO_LARGE' },
    { name: 'frame with version 2', case: 0, target: 'initiator', deliver: hex(fixCrc((() => { const x = SH.slice(); x[0] = 2; return x; })())), error: 'FRAME_MALFORMED' },
  ];
  return {
    description: 'SecureChat v1 handshake: every input and the exact bytes of all four frames, per suite, with fixed randomness; negative vectors name the error they expect. Hex unless noted; server_setup is the OPAQUE library\'s base64url string; *_seed are deterministicRandom seeds (src/crypto/_test-random.ts).',
    spec: 'docs/PROTOCOL.md §3-§4',
    ...base,
    server_setup_random_seed: setupSeed,
    registration_random_seed: regSeed,
    cases,
    negative,
  };
}

if (process.argv.includes('--write')) {
  const v = await generateHandshakeVectors();
  for (const n of v.negative) {
    const got = replayNegative(v, n);
    if (got !== n.error) throw new Error(`negative vector "${n.name}": expected ${n.error}, got ${got}`);
  }
  writeFileSync(VECTOR_PATH, `${JSON.stringify(v, null, 2)}\n`);
  process.stderr.write(`wrote ${VECTOR_PATH}\n`);
}
