// The DH public key PEM / DER: strict decoding, canonical re-encoding, the fixed group.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { isSecureChatError } from '../../src/errors.js';
import { utf8 } from '../../src/crypto/bytes.js';
import { decodeDhPem, decodeDhSpki, encodeDhPem, encodeDhSpki } from '../../src/legacy/dh-pem.js';
import { checkPublicValue, oakleyGroup2 } from '../../src/legacy/dh.js';
import { newLegacyReceiver } from '../../src/legacy/receiver.js';
import { deterministicRandom } from '../../src/crypto/random.js';
import { case1, vectorReceiver } from './_link.js';
import { hexBytes } from './_vectors.js';

const decodeError = (e: unknown): boolean => isSecureChatError(e) && e.code === 'DECODE_ERROR';

// RFC 2409 §6.2
const OAKLEY2 =
  'FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381FFFFFFFFFFFFFFFF';

test('our listener group is RFC 2409 Oakley Group 2 with generator 2', () => {
  const g = oakleyGroup2();
  assert.equal(Buffer.from(g.p).toString('hex').toUpperCase(), OAKLEY2);
  assert.deepEqual(g.g, Uint8Array.of(2));
});

test("our PEM is byte for byte what node/OpenSSL exports for a DH key", () => {
  for (let i = 0; i < 5; i++) {
    // @types/node 20 does not declare the 'dh' overload node has had since v13.9
    const gen = generateKeyPairSync as unknown as (type: 'dh', o: { group: string }) => { publicKey: KeyObject };
    const { publicKey } = gen('dh', { group: 'modp2' });
    const openssl = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    assert.equal(encodeDhPem(decodeDhPem(openssl)), openssl);
  }
  const R = newLegacyReceiver({ password: utf8('x'), random: deterministicRandom('pem') });
  const viaNode = createPublicKey(R.publicPem).export({ type: 'spki', format: 'pem' }) as string;
  assert.equal(viaNode, R.publicPem);
});

test('strict PEM: every deviation from the canonical form is DECODE_ERROR', () => {
  const pem = case1.receiver_public_pem;
  const lines = pem.split('\n');
  const bad = [
    pem.replace(/\n/g, '\r\n'),
    pem.slice(0, -1),
    pem.replace('PUBLIC KEY-----\n', 'PUBLIC KEY-----\n\n'),
    [lines[0], lines.slice(1, -2).join(''), ...lines.slice(-2)].join('\n'), // one long line
    pem.replace('MIIB', 'MIIB '),
    pem.replace('BEGIN PUBLIC KEY', 'BEGIN DH PARAMETERS'),
    '',
  ];
  for (const b of bad) assert.throws(() => decodeDhPem(b), decodeError, JSON.stringify(b.slice(0, 40)));
});

test('strict DER: non-minimal, negative, trailing bytes, privateValueLength are refused', () => {
  const k = decodeDhPem(case1.receiver_public_pem);
  const der = encodeDhSpki(k);
  assert.throws(() => decodeDhSpki(Uint8Array.from([...der, 0])), decodeError);
  assert.throws(() => decodeDhSpki(der.subarray(0, der.length - 1)), decodeError);
  // non-minimal long-form length on the outer SEQUENCE: 30 82 01 20 -> 30 83 00 01 20
  assert.throws(() => decodeDhSpki(Uint8Array.from([0x30, 0x83, 0x00, ...der.subarray(2)])), decodeError);
  // wrong OID byte
  const oid = Uint8Array.from(der);
  oid[der.indexOf(0x01, 10)] = 0x02;
  assert.throws(() => decodeDhSpki(oid), decodeError);
  // the generator INTEGER 02 01 02 followed by a privateValueLength 02 02 04 00
  const hex = Buffer.from(der).toString('hex');
  const withLen = hex.replace('0201020381', '02010202020400' + '0381').replace(/^3082012030819506/, '3082012430819906').replace('30818702', '30818b02');
  assert.throws(() => decodeDhSpki(hexBytes(withLen)), decodeError);
  // a negative public value: 02 81 81 00 80.. -> 02 81 80 80..
  const y = Buffer.from(der).toString('hex').replace(/028181008/, '02818108');
  assert.throws(() => decodeDhSpki(hexBytes(y)), decodeError);
});

test('public values 0, 1, p-1, p are refused; 2 and p-2 are accepted', () => {
  const k = decodeDhPem(case1.receiver_public_pem);
  const p = BigInt('0x' + case1.dh_prime_hex);
  const b = (n: bigint): Uint8Array => hexBytes(n.toString(16));
  for (const y of [0n, 1n, p - 1n, p]) assert.throws(() => checkPublicValue(k, b(y)), decodeError, String(y));
  for (const y of [2n, p - 2n]) assert.doesNotThrow(() => checkPublicValue(k, b(y)));
  // and through the receiver
  const R = vectorReceiver(case1);
  R.receive(utf8('hello:None'));
  const st = R.receive(utf8(encodeDhPem({ p: k.p, g: k.g, y: Uint8Array.of(1) })));
  assert.ok(decodeError(st.error));
});

test('property: decoding any mutation of a PEM gives a typed error or a canonical key', () => {
  const pem = case1.sender_public_pem;
  fc.assert(
    fc.property(fc.integer({ min: 0, max: pem.length - 1 }), fc.integer({ min: 0, max: 127 }), (i, c) => {
      const m = pem.slice(0, i) + String.fromCharCode(c) + pem.slice(i + 1);
      try {
        assert.equal(encodeDhPem(decodeDhPem(m)), m);
      } catch (e) {
        assert.ok(decodeError(e), String(e));
      }
    }),
    { numRuns: 1000 },
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), (der) => {
      try {
        const k = decodeDhSpki(der);
        assert.deepEqual(encodeDhSpki(k), der);
      } catch (e) {
        assert.ok(decodeError(e), String(e));
      }
    }),
  );
});
