/**
 * The page's sentences are chosen by stable codes (the error's code, a received alert's name),
 * never by the words of a sentence: a refused identity key reads as what to do in the page, and
 * no module of the page decides anything on an error's or an end's text (before: ui/errors.ts
 * matched 'refused your identity key', the page matched 'left' / 'you closed').
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PeerAlertError } from '../../src/handshake/alert.js';
import { uiError } from '../../src/ui/errors.js';

const SRC = new URL('../../../src/ui/', import.meta.url).pathname;

describe('page errors by code', () => {
  it('a refused identity key (alert identity_rejected) reads as what to do in the page', () => {
    const x = uiError(new PeerAlertError('identity_rejected'), { established: false, peer: 'bob' });
    assert.equal(x.code, 'PEER_ALERT');
    assert.equal(x.message, 'bob refused your identity key: they have a different key pinned for you; ask them to compare safety numbers with you and trust your new key');
    assert.doesNotMatch(x.message, /securechat (verify|trust)/, 'no command in the page');
    const busy = uiError(new PeerAlertError('busy'), { established: false, peer: 'bob' });
    assert.match(busy.message, /bob is busy/);
  });

  it('no page module decides on the text of a sentence, a message or an end', () => {
    const files = [...readdirSync(SRC).map((f) => join(SRC, f)), ...readdirSync(join(SRC, 'web')).map((f) => join(SRC, 'web', f))].filter((f) => f.endsWith('.ts'));
    assert.ok(files.length > 10);
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      assert.doesNotMatch(text, /\.(sentence|message|detail|ended)\??\.(includes|startsWith|endsWith|match|search)\(/, f);
      assert.doesNotMatch(text, /\/[^/\n]+\/\.test\([^)]*\.(sentence|message|detail|ended)\)/, f);
    }
  });
});
