/** The chat line parser (src/cli/chat-input.ts): what `@bob hi`, `/to carol`, `//x` and plain text mean. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseChatLine } from '../../src/cli/chat-input.js';

test('the commands and their edge cases', () => {
  assert.deepEqual(parseChatLine(''), { kind: 'empty' });
  assert.deepEqual(parseChatLine('   '), { kind: 'empty' });
  assert.deepEqual(parseChatLine('/quit'), { kind: 'quit' });
  assert.deepEqual(parseChatLine(' /exit '), { kind: 'quit' });
  assert.deepEqual(parseChatLine('/help'), { kind: 'help' });
  assert.deepEqual(parseChatLine('/verify'), { kind: 'verify' });
  assert.deepEqual(parseChatLine('/verify carol'), { kind: 'verify', peer: 'carol' });
  assert.deepEqual(parseChatLine('/to carol'), { kind: 'to', peer: 'carol' });
  assert.deepEqual(parseChatLine('/to'), { kind: 'unknown', word: '/to' });
  assert.deepEqual(parseChatLine('/to carol dave'), { kind: 'unknown', word: '/to' });
  assert.deepEqual(parseChatLine('/quit now'), { kind: 'unknown', word: '/quit' });
  assert.deepEqual(parseChatLine('/nope'), { kind: 'unknown', word: '/nope' });
  assert.deepEqual(parseChatLine('@bob hi there'), { kind: 'say', peer: 'bob', text: 'hi there' });
  assert.deepEqual(parseChatLine('  @bob   hi'), { kind: 'say', peer: 'bob', text: 'hi' });
  assert.deepEqual(parseChatLine('@bob'), { kind: 'say', text: '@bob' }, 'a lone @name is a message, not an empty one to bob');
  assert.deepEqual(parseChatLine('//to carol'), { kind: 'say', text: '/to carol' });
  assert.deepEqual(parseChatLine('hi @bob'), { kind: 'say', text: 'hi @bob' });
});

test('fast-check: any line parses (never throws); plain text is sent unchanged', () => {
  fc.assert(fc.property(fc.string({ maxLength: 200 }), (s) => {
    const c = parseChatLine(s);
    assert.ok(['empty', 'quit', 'help', 'verify', 'to', 'say', 'unknown'].includes(c.kind));
    if (c.kind === 'say') assert.ok(c.text.trim() !== '', 'never an empty message');
  }));
  const plain = fc.string({ minLength: 1, maxLength: 100 }).filter((s) => /^[a-z0-9]/i.test(s.trimStart()) && s.trim() !== '');
  fc.assert(fc.property(plain, (s) => {
    assert.deepEqual(parseChatLine(s), { kind: 'say', text: s });
  }));
  const name = fc.stringMatching(/^[a-z][a-z0-9_-]{0,15}$/);
  const text = fc.string({ minLength: 1, maxLength: 50 }).filter((t) => /^\S/.test(t));
  fc.assert(fc.property(name, text, (n, t) => {
    assert.deepEqual(parseChatLine(`@${n} ${t}`), { kind: 'say', peer: n, text: t });
    assert.deepEqual(parseChatLine(`/to ${n}`), { kind: 'to', peer: n });
  }));
});
