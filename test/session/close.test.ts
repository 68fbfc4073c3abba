import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CloseReason } from '../../src/session/close.js';
import { ContentType, encodeContent } from '../../src/session/content.js';
import { decodeOneFrame as decodeFrame } from '../../src/wire/frame.js';
import { Pair, bytes, codeOf, feed, forgeRecord } from './_pair.js';

describe('authenticated close (§6.5)', () => {
  it('CLOSE → answering CLOSE → both closed, counts checked, EOF is clean', () => {
    const p = new Pair(0x01);
    p.send(p.i, bytes(3, 1));
    p.send(p.i, bytes(3, 2));
    p.send(p.r, bytes(3, 3));
    p.i.inbox.push(p.i.session.close());
    assert.equal(p.i.session.state, 'closing');
    p.r.inbox.push(p.i.inbox.pop()!);
    // R gets I's two records and CLOSE; answers with its own CLOSE.
    const res = p.deliver(p.r);
    assert.deepEqual(res.at(-1)!.closed, { appRecords: 2, reason: CloseReason.NORMAL });
    assert.equal(res.at(-1)!.send.length, 1);
    assert.equal(p.r.session.state, 'closed');
    // I, while closing, still receives R's record sent before R saw the CLOSE, then R's CLOSE.
    const got = p.deliver(p.i);
    assert.deepEqual(p.i.received, [bytes(3, 3)]);
    assert.deepEqual(got.at(-1)!.closed, { appRecords: 1, reason: CloseReason.NORMAL });
    assert.deepEqual(got.at(-1)!.send, []);
    assert.equal(p.i.session.state, 'closed');
    p.i.session.end();
    p.r.session.end();
    assert.equal(codeOf(() => p.i.session.sendApp(bytes(1), 0, p.i.random)), 'SESSION_CLOSED');
    assert.equal(codeOf(() => p.i.session.close()), 'SESSION_CLOSED');
  });

  it('nothing can be sent after close(); the reason travels', () => {
    const p = new Pair(0x02);
    const c = p.r.session.close(CloseReason.IDLE_TIMEOUT);
    assert.equal(codeOf(() => p.r.session.sendApp(bytes(1), 0, p.r.random)), 'SESSION_CLOSED');
    assert.deepEqual(p.r.session.tick(1e12, p.r.random), []);
    const res = p.i.session.receive(decodeFrame(c), 0, p.i.random);
    assert.deepEqual(res.closed, { appRecords: 0, reason: CloseReason.IDLE_TIMEOUT });
  });

  it('EOF without CLOSE → TRUNCATED', () => {
    const p = new Pair(0x03);
    p.send(p.i, bytes(3, 1));
    p.flush();
    assert.equal(codeOf(() => p.r.session.end()), 'TRUNCATED');
    assert.equal(p.r.session.state, 'failed');
    // We sent CLOSE but the peer's never came: still truncated.
    p.i.session.close();
    assert.equal(codeOf(() => p.i.session.end()), 'TRUNCATED');
  });

  it('CLOSE whose count disagrees → TRUNCATED', () => {
    for (const claimed of [0, 2, 5]) {
      const p = new Pair(0x01);
      p.send(p.i, bytes(3, 1));
      p.flush();
      const forged = forgeRecord(p.keys.chainI2R, 0x01, 1, encodeContent({ type: ContentType.CLOSE, appRecords: claimed, reason: 0 }));
      assert.equal(codeOf(() => feed(p.r, forged)), claimed === 1 ? 'NO_ERROR' : 'TRUNCATED', `claimed ${claimed}`);
    }
  });

  it('a record after the peer closed → UNEXPECTED_MESSAGE', () => {
    const p = new Pair(0x01);
    p.r.inbox.push(p.i.session.close());
    p.deliver(p.r);
    const after = forgeRecord(p.keys.chainI2R, 0x01, 1, encodeContent({ type: ContentType.APP, data: bytes(1) }));
    assert.equal(codeOf(() => feed(p.r, after)), 'UNEXPECTED_MESSAGE');
  });
});
