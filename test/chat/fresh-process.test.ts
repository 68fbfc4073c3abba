import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { listen } from '../../src/chat/listener.js';
import { party } from './_fixture.js';

test('connect() works as the first thing a process does (it waits for the OPAQUE WebAssembly)', async () => {
  const alice = await party('alice');
  const got: string[] = [];
  const l = await listen({ port: 0, account: alice.account, self: alice.self, policy: alice.policy, onConversation: (c) => c.on('message', (m) => void got.push(m.text)) });
  try {
    const script = fileURLToPath(new URL('./_fresh-client.js', import.meta.url));
    const out = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, [script, String(l.port), 'alice', 'alice-password'], { timeout: 20_000 }, (err, stdout) => {
        if (err !== null) reject(new Error(err.message));
        else resolve(stdout);
      }),
    );
    assert.equal(out.trim(), 'ok');
    assert.deepEqual(got, ['from a fresh process']);
  } finally {
    await l.close();
  }
});
