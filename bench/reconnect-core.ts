/**
 * The reconnect handshake (docs/PROTOCOL.md §10) in memory, no I/O: the responder's share of
 * one reconnect as the listener runs it (static key imported once, the `ss` memo), and one
 * X25519 with imported keys, the operation that bounds it (the responder does three of them,
 * es, ee and se, plus an ephemeral key import, which computes the public point and costs
 * about one more; ss comes from the memo). For `npm run bench` only.
 */
import { performance } from 'node:perf_hooks';
import { createPrivateKey, diffieHellman, generateKeyPairSync, randomBytes } from 'node:crypto';
import { ReconnectInitiator, ReconnectResponder, memoStaticDh, type KemFunctions } from '../src/handshake/reconnect/index.js';
import { staticKeyFromSeed } from '../src/crypto/x25519-from-ed25519.js';
import { systemRandom } from '../src/crypto/random.js';
import { SuiteId } from '../src/crypto/aead.js';
import { decodeOneFrame } from '../src/wire/frame.js';
import { localError } from '../src/errors.js';

export interface ReconnectCoreBench {
  /** Median µs of the responder's RECONNECT_HELLO → RECONNECT_REPLY step. */
  readonly responderUs: number;
  /** Median µs of one X25519 with both keys already imported (node:crypto). */
  readonly x25519Us: number;
  /** Median µs of one X25519 private key import from raw bytes (JWK), which computes its public key. */
  readonly importUs: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1] ?? Number.NaN;
};

const noKem: KemFunctions = {
  keygen: () => { throw localError('INTERNAL', 'no KEM in this bench'); },
  encapsulate: () => { throw localError('INTERNAL', 'no KEM in this bench'); },
  decapsulate: () => { throw localError('INTERNAL', 'no KEM in this bench'); },
};

export function benchReconnectCore(n: number): ReconnectCoreBench {
  const a = staticKeyFromSeed(new Uint8Array(32).fill(0x41));
  const b = staticKeyFromSeed(new Uint8Array(32).fill(0x42));
  const secret = new Uint8Array(32).fill(0x43);
  const inbound = { current: { epoch: 0, secret }, previous: null, seen: [], pqEpoch: 0 };
  const staticDh = memoStaticDh(b.priv);
  const resp: number[] = [];
  for (let k = 0; k < n + 20; k++) {
    const i = new ReconnectInitiator({ peerName: 'b', peerIdentityKey: new Uint8Array(32), peerStatic: b.pub, staticKey: a, secret: { epoch: 0, secret }, suites: [SuiteId.AES_256_GCM], random: systemRandom, kem: null });
    const hello = decodeOneFrame(i.start());
    const t0 = performance.now();
    const r = new ReconnectResponder({ staticKey: b, staticDh, suites: [SuiteId.AES_256_GCM], random: systemRandom, kem: noKem, lookup: () => ({ name: 'a', identityKey: new Uint8Array(32), inbound }) });
    const out = r.receive(hello);
    const dt = performance.now() - t0;
    if (k >= 20) resp.push(dt * 1000); // the first 20 warm the JIT up
    const reply = out.send[0];
    if (reply === undefined || i.receive(decodeOneFrame(reply)).result === undefined) throw localError('INTERNAL', 'reconnect did not complete');
  }
  const x = generateKeyPairSync('x25519');
  const y = generateKeyPairSync('x25519');
  const dh: number[] = [];
  for (let k = 0; k < n + 20; k++) {
    const t0 = performance.now();
    diffieHellman({ privateKey: x.privateKey, publicKey: y.publicKey });
    if (k >= 20) dh.push((performance.now() - t0) * 1000);
  }
  const imp: number[] = [];
  const zero = Buffer.alloc(32).toString('base64url');
  for (let k = 0; k < n + 20; k++) {
    const d = randomBytes(32).toString('base64url');
    const t0 = performance.now();
    createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d, x: zero }, format: 'jwk' });
    if (k >= 20) imp.push((performance.now() - t0) * 1000);
  }
  return { responderUs: median(resp), x25519Us: median(dh), importUs: median(imp) };
}
