// Every intermediate value of the three known-answer cases produced by the original program.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toHex, utf8 } from '../../src/crypto/bytes.js';
import { deriveDhsk, dhKeyPair } from '../../src/legacy/dh.js';
import { decodeDhPem, encodeDhPem } from '../../src/legacy/dh-pem.js';
import { pyBytesRepr } from '../../src/legacy/py-bytes-repr.js';
import { authValue, challengeResponse, deriveChap } from '../../src/legacy/chap.js';
import { ACK_JSON, buildTextMessage, readJsonMessage } from '../../src/legacy/message.js';
import { formatLogLine, verifyLegacyLog } from '../../src/legacy/log-line.js';
import { LegacyReceiver } from '../../src/legacy/receiver.js';
import { LegacySender } from '../../src/legacy/sender.js';
import { cases, fixedRandom, hexBytes, VECTOR_LOG_TIME_MS } from './_vectors.js';

const text = (b: Uint8Array): string => Buffer.from(b).toString('utf8');

for (const [i, v] of cases.entries()) {
  const group = { p: hexBytes(v.dh_prime_hex), g: Uint8Array.of(v.dh_generator) };
  const pw = utf8(v.password);

  test(`vector ${i + 1}: every intermediate value`, () => {
    const r = dhKeyPair(group, hexBytes(v.receiver_private_hex));
    const s = dhKeyPair(group, hexBytes(v.sender_private_hex));
    assert.equal(encodeDhPem(r.publicKey), v.receiver_public_pem, 'receiver PEM');
    assert.equal(encodeDhPem(s.publicKey), v.sender_public_pem, 'sender PEM');
    // parse, re-encode: the same bytes
    assert.equal(encodeDhPem(decodeDhPem(v.receiver_public_pem)), v.receiver_public_pem);
    assert.equal(encodeDhPem(decodeDhPem(v.sender_public_pem)), v.sender_public_pem);
    const sharedR = r.secret(decodeDhPem(v.sender_public_pem).y);
    const sharedS = s.secret(decodeDhPem(v.receiver_public_pem).y);
    assert.equal(toHex(sharedR), v.shared_secret_hex, 'shared (receiver)');
    assert.equal(toHex(sharedS), v.shared_secret_hex, 'shared (sender)');
    const dhsk = deriveDhsk(sharedR);
    assert.equal(toHex(dhsk), v.dhsk_hex, 'dhsk');
    assert.equal(pyBytesRepr(dhsk), v.dhsk_python_str, 'str(dhsk)');
    assert.equal(challengeResponse(v.challenge, pw), v.response_hex, 'response');
    const chap = deriveChap(dhsk, pw);
    assert.equal(chap.k, v.dhsk_python_str);
    assert.equal(text(chap.iv), v.iv_ascii, 'iv');
    assert.equal(chap.hmacKey, v.hmac_key_hex, 'hmac_key');
    assert.equal(chap.chap, v.chap_secret_hex, 'chap');
    assert.equal(authValue(v.challenge, chap.chap), v.auth_hex, 'Auth');
    const m = buildTextMessage(dhsk, chap.iv, chap.hmacKey, v.text, v.timestamp);
    assert.equal(m.body, v.body_b64, 'ciphertext');
    assert.equal(m.crc, v.crc, 'crc');
    assert.equal(m.json, v.text_message_json, 'JSON');
    assert.equal(ACK_JSON, v.ack_json, 'ack');
    const line = formatLogLine(v.text, pw, VECTOR_LOG_TIME_MS);
    assert.equal(line, v.log_line, 'log line');
    assert.deepEqual(verifyLegacyLog(utf8(line + '\n'), pw), { ok: true, entries: 1 });
    const got = readJsonMessage(v.text_message_json, { dhsk, iv: chap.iv, hmacKey: chap.hmacKey });
    assert.deepEqual(got, { kind: 'text', text: v.text, timestamp: v.timestamp, crc: v.crc });
  });

  test(`vector ${i + 1}: the two state machines produce the original's bytes`, () => {
    const R = new LegacyReceiver({ password: pw, group, privateKey: hexBytes(v.receiver_private_hex), challenge: v.challenge });
    const S = new LegacySender({ password: pw, text: v.text, timestamp: v.timestamp, random: fixedRandom(hexBytes(v.sender_private_hex)) });
    const wire: string[] = [];
    const s0 = S.start();
    wire.push(...s0.out.map(text));
    let toR = s0.out;
    let received: string | undefined;
    for (let round = 0; round < 10 && !(R.isDone && S.isDone); round++) {
      const toS: Uint8Array[] = [];
      for (const b of toR) {
        const st = R.receive(b);
        assert.equal(st.error, undefined, st.error?.message);
        for (const e of st.events) if (e.type === 'message') received = e.text;
        toS.push(...st.out);
      }
      wire.push(...toS.map(text));
      const next: Uint8Array[] = [];
      for (const b of toS) {
        const st = S.receive(b);
        assert.equal(st.error, undefined, st.error?.message);
        next.push(...st.out);
      }
      wire.push(...next.map(text));
      toR = next;
    }
    assert.equal(received, v.text);
    assert.ok(R.isDone && S.isDone);
    assert.deepEqual(wire, [
      'hello:None',
      v.receiver_public_pem,
      v.sender_public_pem,
      `challenge:${v.challenge}`,
      `response:${v.response_hex}`,
      'ack:Authentication successful',
      `Auth:${v.auth_hex}`,
      'ack:Authentication successful',
      v.text_message_json,
      v.ack_json,
      '{"header": {"msg_type": "close"}, "body": null}',
    ]);
  });
}
