/**
 * Handshake cost, for `npm run bench` (not part of the protocol; it reads the clock and the
 * system CSPRNG, which the state machines themselves never do).
 */
import { performance } from 'node:perf_hooks';
import { ed25519PublicFromSeed } from '../src/crypto/ecc.js';
import { SuiteId } from '../src/crypto/aead.js';
import { createServerSetup, opaqueReady, registerLocally, type KsfParams } from '../src/crypto/opaque.js';
import { systemRandom } from '../src/crypto/random.js';
import { utf8 } from '../src/crypto/bytes.js';
import { localError } from '../src/errors.js';
import { decodeOneFrame } from '../src/wire/frame.js';
import { Initiator } from '../src/handshake/initiator.js';
import { Responder } from '../src/handshake/responder.js';

export interface HandshakeBench {
  /** Median wall time of one full in-memory handshake (initiator + responder work), ms. */
  readonly medianMs: number;
  /** Median of the responder's part of it (ClientHello and ClientFinish processing), ms. */
  readonly responderMedianMs: number;
  readonly runs: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
};

/** Runs `n` (≥ 1) complete handshakes in memory with the record's key stretching `ksf`. */
export async function benchHandshake(n: number, ksf: KsfParams): Promise<HandshakeBench> {
  if (!Number.isInteger(n) || n < 1) throw localError('USAGE', 'n must be a positive integer');
  await opaqueReady;
  const password = utf8('bench password');
  const serverSetup = createServerSetup();
  const record = registerLocally(serverSetup, 'alice', password, ksf);
  const id = (name: string) => {
    const seed = systemRandom(32);
    return { seed, publicKey: ed25519PublicFromSeed(seed), name };
  };
  const alice = id('alice');
  const bob = id('bob');
  const total: number[] = [];
  const resp: number[] = [];
  for (let k = 0; k < n; k++) {
    const t0 = performance.now();
    const i = new Initiator({ account: 'alice', password, identity: bob, suites: [SuiteId.AES_256_GCM], random: systemRandom, checkPeer: () => null });
    const r = new Responder({ account: 'alice', serverSetup, record, ksf, identity: alice, suites: [SuiteId.AES_256_GCM], random: systemRandom, checkPeer: () => null });
    const ch = i.start();
    let tr = performance.now();
    const sh = r.receive(decodeOneFrame(ch)).send[0];
    let rt = performance.now() - tr;
    if (sh === undefined) throw localError('INTERNAL', 'no ServerHello');
    const cf = i.receive(decodeOneFrame(sh)).send[0];
    if (cf === undefined) throw localError('INTERNAL', 'no ClientFinish');
    tr = performance.now();
    const ro = r.receive(decodeOneFrame(cf));
    rt += performance.now() - tr;
    const sf = ro.send[0];
    if (sf === undefined) throw localError('INTERNAL', 'no ServerFinish');
    const io = i.receive(decodeOneFrame(sf));
    if (io.result === undefined || ro.result === undefined) throw localError('INTERNAL', 'handshake did not complete');
    total.push(performance.now() - t0);
    resp.push(rt);
  }
  return { medianMs: median(total), responderMedianMs: median(resp), runs: n };
}
