/** The agent socket's JSON-RPC codec: every line classified, never a throw; lines bounded. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { encodeError, encodeNotification, encodeRequest, encodeResult, LineSplitter, parseLine, RpcCode } from '../../src/agent/rpc.js';

describe('agent rpc codec', () => {
  it('round-trips requests, notifications, results and errors', () => {
    const req = parseLine(encodeRequest({ id: 7, method: 'send', params: { as: 'alice', text: 'hi' } }).trimEnd());
    assert.deepEqual(req, { type: 'request', request: { id: 7, method: 'send', params: { as: 'alice', text: 'hi' } } });
    const n = parseLine(encodeNotification({ method: 'event', params: { event: 'message' } }).trimEnd());
    assert.deepEqual(n, { type: 'notification', notification: { method: 'event', params: { event: 'message' } } });
    assert.deepEqual(parseLine(encodeResult('a', { ok: true }).trimEnd()), { type: 'response', response: { id: 'a', result: { ok: true } } });
    const e = parseLine(encodeError(3, { code: RpcCode.FAILED, message: 'no', data: { code: 'AUTH_FAILED', exit: 3 } }).trimEnd());
    assert.deepEqual(e, { type: 'response', response: { id: 3, error: { code: -32000, message: 'no', data: { code: 'AUTH_FAILED', exit: 3 } } } });
  });

  it('names what is wrong with a bad line', () => {
    assert.equal((parseLine('{') as { code: number }).code, RpcCode.PARSE_ERROR);
    assert.equal((parseLine('[]') as { code: number }).code, RpcCode.INVALID_REQUEST);
    assert.equal((parseLine('{"jsonrpc":"1.0","id":1,"method":"x"}') as { code: number }).code, RpcCode.INVALID_REQUEST);
    assert.equal((parseLine('{"jsonrpc":"2.0","id":{},"method":"x"}') as { code: number }).code, RpcCode.INVALID_REQUEST);
    assert.equal((parseLine('{"jsonrpc":"2.0","id":1,"method":"x","params":[1]}') as { code: number }).code, RpcCode.INVALID_PARAMS);
    assert.equal(parseLine('{"jsonrpc":"2.0","id":1}').type, 'invalid');
  });

  it('never throws on any string', () => {
    fc.assert(fc.property(fc.string(), (s) => {
      assert.ok(['request', 'notification', 'response', 'invalid'].includes(parseLine(s).type));
    }));
    fc.assert(fc.property(fc.json(), (s) => {
      assert.ok(['request', 'notification', 'response', 'invalid'].includes(parseLine(s).type));
    }));
  });

  it('splits lines across chunks and refuses a line over the limit', () => {
    const sp = new LineSplitter(16);
    assert.deepEqual(sp.push('{"a":1}\n{"b"'), ['{"a":1}']);
    assert.deepEqual(sp.push(':2}\n\n'), ['{"b":2}']);
    assert.equal(sp.push('x'.repeat(17)), null);
    assert.equal(new LineSplitter(16).push(`${'y'.repeat(17)}\n`), null);
    assert.deepEqual(new LineSplitter(16).push(`${'z'.repeat(16)}\n`), ['z'.repeat(16)]);
  });

  it('splitting is independent of where the chunks break', () => {
    fc.assert(fc.property(fc.array(fc.stringMatching(/^[a-z{}":,0-9]{1,20}$/), { maxLength: 10 }), fc.array(fc.nat(), { maxLength: 5 }), (lines, cuts) => {
      const text = lines.map((l) => `${l}\n`).join('');
      const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
      const sp = new LineSplitter(1024);
      const got: string[] = [];
      let prev = 0;
      for (const p of [...points, text.length]) {
        got.push(...(sp.push(text.slice(prev, p)) ?? []));
        prev = p;
      }
      assert.deepEqual(got, lines);
    }));
  });
});
