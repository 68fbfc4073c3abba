/**
 * A peer that completes the handshake honestly and then misbehaves in the application layer
 * (docs/PROTOCOL.md §7): each misbehaviour ends that conversation with the exact code, and the
 * listener keeps serving.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listen } from '../../src/chat/listener.js';
import { connect } from '../../src/chat/connect.js';
import { connectSecure } from '../../src/transport/client.js';
import { AppKind, encodeAppMessage } from '../../src/chat/message.js';
import { SuiteId } from '../../src/crypto/aead.js';
import { systemRandom } from '../../src/crypto/random.js';
import { concat, u64be, u8 } from '../../src/crypto/bytes.js';
import { party } from './_fixture.js';
import { waitUntil } from '../_util/wait.js';

const cases: { name: string; payload: Uint8Array; code: string }[] = [
  { name: 'a receipt for a message never sent', payload: encodeAppMessage({ kind: AppKind.RECEIPT, id: 99 }), code: 'UNEXPECTED_MESSAGE' },
  { name: 'an unknown application message kind', payload: Uint8Array.of(0x7f, 1, 2, 3), code: 'DECODE_ERROR' },
  { name: 'a text that is not UTF-8', payload: concat(u8(AppKind.TEXT), u64be(1), u64be(0), Uint8Array.of(0xff, 0xfe)), code: 'DECODE_ERROR' },
  { name: 'a text with id 0', payload: concat(u8(AppKind.TEXT), u64be(0), u64be(0), Uint8Array.of(0x41)), code: 'DECODE_ERROR' },
  { name: 'an empty application record', payload: new Uint8Array(0), code: 'DECODE_ERROR' },
];

for (const c of cases) {
  test(`${c.name} ends that conversation with ${c.code}; the listener keeps serving`, async () => {
    const alice = await party('alice');
    const bob = await party('bob');
    const closed: (string | undefined)[] = [];
    const l = await listen({
      port: 0, account: alice.account, self: alice.self, policy: alice.policy,
      onConversation: (conv) => conv.on('closed', (_r, e) => closed.push(e?.code)),
    });
    try {
      const raw = await connectSecure({
        host: '127.0.0.1', port: l.port, random: systemRandom,
        handshake: { account: 'alice', password: alice.password, identity: { ...bob.self }, suites: [SuiteId.AES_256_GCM], checkPeer: () => null },
      });
      raw.start({ onApp: () => undefined, onClose: () => undefined });
      raw.sendApp(c.payload);
      await waitUntil(() => closed.length > 0, 'the conversation to close');
      assert.deepEqual(closed, [c.code]);
      const ok = await connect({ host: '127.0.0.1', port: l.port, account: 'alice', password: alice.password, self: bob.self, policy: bob.policy });
      await ok.waitReceipt(ok.send('still serving'));
      await ok.close();
    } finally {
      await l.close();
    }
  });
}
