/**
 * The client past AGENT_MAX_CLIENTS is told why, with a stable code, instead of a dropped
 * connection (F5: the 257th was told "the connection was lost during the handshake"). A real
 * agent in-process; the 257th is the built CLI (`agent status`), as a person would run it.
 */
import { after, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { AgentClient } from '../../src/agent/client.js';
import { startAgent } from '../../src/agent/server.js';
import { explain } from '../../src/app/errors-text.js';
import { KSF_TEST } from '../../src/crypto/opaque.js';
import { isSecureChatError } from '../../src/errors.js';
import { AGENT_MAX_CLIENTS } from '../../src/limits.js';
import { cleanup, jsonLines, run, tempDir } from '../cli/_harness.js';
import { waitUntilAsync } from '../_util/wait.js';

after(cleanup);

it(`the client after ${AGENT_MAX_CLIENTS} connected ones is told the agent serves as many as it takes (code TOO_MANY_CONNECTIONS, exit 4); one more fits once one leaves`, { timeout: 180_000 }, async () => {
  const home = join(await tempDir(), 'home');
  const r = await startAgent({ home, ksf: KSF_TEST, idleMs: 600_000 });
  assert.ok(r.started);
  const agent = r.agent;
  const held: Socket[] = [];
  try {
    for (let i = 0; i < AGENT_MAX_CLIENTS; i++) {
      held.push(await new Promise<Socket>((resolve, reject) => {
        const s = connect(agent.paths.socket);
        s.once('connect', () => resolve(s));
        s.once('error', reject);
      }));
    }
    const status = (): Promise<number> => AgentClient.tryConnect(home).then(async (c) => {
      assert.ok(c !== undefined);
      const s = (await c.call('status', {})) as Record<string, unknown>;
      c.close();
      return s['clients'] as number;
    });
    // Every held socket is a client by now (status counts them; the one asking is refused until they are).
    const e = await AgentClient.tryConnect(home).then(() => undefined, (x: unknown) => x);
    assert.ok(isSecureChatError(e), `refused with a SecureChatError: ${String(e)}`);
    assert.equal(e.code, 'TOO_MANY_CONNECTIONS');
    const x = explain(e, { established: false });
    assert.equal(x.exit, 4);
    assert.match(x.sentence, new RegExp(`the agent for .* already serves ${AGENT_MAX_CLIENTS} clients, the most it takes; end some \`chat\` or \`listen\` commands`));

    const cli = await run(['agent', 'status', '--json'], { home });
    assert.equal(cli.code, 4, cli.stderr);
    const err = jsonLines(cli.stdout).find((l) => l['event'] === 'error');
    assert.equal(err?.['code'], 'TOO_MANY_CONNECTIONS', cli.stdout);
    assert.match(String(err?.['message']), /already serves \d+ clients, the most it takes/);
    assert.doesNotMatch(cli.stdout + cli.stderr, /lost during the handshake/);

    held.pop()?.destroy();
    await waitUntilAsync(async () => (await status().catch(() => -1)) === AGENT_MAX_CLIENTS, 'a client to fit again once one left');
  } finally {
    for (const s of held) s.destroy();
    await agent.stop();
  }
});
