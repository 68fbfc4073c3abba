/**
 * ATTACK (branch `attack`): a hostile local process on the agent socket (docs/AGENT-API.md),
 * against a real agent started in-process (cheap KSF), raw NDJSON lines, no client library.
 *
 * FINDING (fails until fixed): `open` checks its `password` inside the try that maps operation
 * failures, so a malformed password (not base64) is answered as an internal bug (-32000, data.code
 * INTERNAL, "something unexpected went wrong (a bug in securechat)") instead of -32602 "password
 * must be base64" as `send` answers the same parameter. Found by /work/attack/agent-probe.mjs.
 * Fix: in src/agent/methods.ts `open`, evaluate `password(p)` before the `try` (as `send` does).
 *
 * Guards that pass today (kept so they stay true): wrong types get -32602 and the connection
 * stays usable; a line over 1 MiB gets "line too long" and the connection ends; a client that
 * never reads is dropped past AGENT_CLIENT_MAX_QUEUED_BYTES; a well-behaved client is served
 * throughout.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAgent, type RunningAgent } from '../../src/agent/server.js';
import { KSF_TEST } from '../../src/crypto/opaque.js';
import { AGENT_CLIENT_MAX_QUEUED_BYTES, AGENT_MAX_LINE_BYTES } from '../../src/limits.js';
import { waitUntil, within } from '../_util/wait.js';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

interface Raw {
  readonly s: Socket;
  readonly closed: () => boolean;
  next(what: string): Promise<Record<string, unknown>>;
  send(o: unknown): void;
}

function raw(path: string): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const s = connect(path);
    let buf = '';
    const lines: string[] = [];
    let closed = false;
    s.setEncoding('utf8');
    s.on('data', (d: string) => {
      buf += d;
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        lines.push(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
    });
    s.on('close', () => (closed = true));
    s.on('error', () => undefined);
    s.once('connect', () => resolve({
      s,
      closed: () => closed,
      send: (o) => s.write(`${typeof o === 'string' ? o : JSON.stringify(o)}\n`),
      next: async (what) => {
        await waitUntil(() => lines.length > 0 || closed, what);
        const l = lines.shift();
        if (l === undefined) throw new Error(`${what}: the agent closed the connection`);
        return JSON.parse(l) as Record<string, unknown>;
      },
    }));
    s.once('error', reject);
  });
}

const errorOf = (m: Record<string, unknown>): { code?: number; data?: { code?: string } } => (m['error'] ?? {});

test('ATTACK: hostile lines on the agent socket get typed answers; `open` with a malformed password is -32602, not an internal error', { timeout: 120_000 }, async () => {
  const home = await mkdtemp(join(tmpdir(), 'sc-attack-agent-'));
  dirs.push(home);
  const started = await startAgent({ home, ksf: KSF_TEST, idleMs: 600_000 });
  assert.ok(started.started);
  const agent: RunningAgent = started.agent;
  try {
    const good = await raw(agent.paths.socket);
    let goodId = 0;
    const goodStatus = async (when: string): Promise<void> => {
      good.send({ jsonrpc: '2.0', id: ++goodId, method: 'status', params: {} });
      const r = await good.next(`the well-behaved client's status ${when}`);
      assert.equal(r['id'], goodId);
      assert.ok(r['result'] !== undefined, `status ${when}: ${JSON.stringify(r)}`);
    };
    await goodStatus('at start');

    const bad = await raw(agent.paths.socket);
    const to = { account: 'bob', host: '127.0.0.1', port: 1 };
    const cases: [unknown, number][] = [
      ['not json', -32700],
      [{ jsonrpc: '2.0', id: 1, method: 'status', params: [] }, -32602],
      [{ jsonrpc: '2.0', id: 2, method: 'send', params: { as: 'alice', to: { ...to, port: 'x' }, text: 't' } }, -32602],
      [{ jsonrpc: '2.0', id: 3, method: 'send', params: { as: 'alice', to, text: 5 } }, -32602],
      [{ jsonrpc: '2.0', id: 4, method: 'send', params: { as: '../x', to, text: 't' } }, -32602],
      [{ jsonrpc: '2.0', id: 5, method: 'send', params: { as: 'alice', to, text: 't', password: '%%%' } }, -32602],
      [{ jsonrpc: '2.0', id: 6, method: 'listen', params: { as: 'bob', port: 1e9 } }, -32602],
      [{ jsonrpc: '2.0', id: 7, method: 'say', params: { as: 'bob', peer: 'alice', text: {} } }, -32602],
      [{ jsonrpc: '2.0', id: 8, method: '__proto__', params: {} }, -32601],
    ];
    for (const [line, code] of cases) {
      bad.send(line);
      const r = await bad.next(`the answer to ${JSON.stringify(line)}`);
      assert.equal(errorOf(r).code, code, `${JSON.stringify(line)} → ${JSON.stringify(r)}`);
    }
    await goodStatus('after wrong types');


    // A line over the limit: "line too long", then the connection ends.
    const long = await raw(agent.paths.socket);
    long.s.write('x'.repeat(AGENT_MAX_LINE_BYTES + 1));
    assert.equal(errorOf(await long.next('the answer to a line over the limit')).code, -32600);
    await waitUntil(() => long.closed(), 'the agent to end the connection of the over-long line');
    await goodStatus('after an over-long line');

    // A client that sends and never reads: dropped once its unread answers pass the cap.
    const deaf = await raw(agent.paths.socket);
    deaf.s.pause();
    const pad = JSON.stringify({ jsonrpc: '2.0', id: 1, method: `nosuch${'z'.repeat(60_000)}`, params: {} });
    let written = 0;
    while (!deaf.closed() && written < 4 * AGENT_CLIENT_MAX_QUEUED_BYTES) {
      deaf.send(pad);
      written += pad.length;
      await new Promise((r) => setImmediate(r));
    }
    await within(new Promise<void>((r) => (deaf.closed() ? r() : deaf.s.once('close', () => r()))), 'the agent to drop the client that never reads');
    await goodStatus('after the deaf client');

    // The finding: the same malformed password on `open`.
    bad.send({ jsonrpc: '2.0', id: 20, method: 'open', params: { as: 'alice', to, password: '%%%' } });
    const open = await bad.next('the answer to open with a malformed password');
    assert.notEqual(errorOf(open).data?.code, 'INTERNAL', `a malformed parameter is not a bug in securechat: ${JSON.stringify(open)}`);
    assert.equal(errorOf(open).code, -32602, JSON.stringify(open));
    bad.s.destroy();
    good.s.destroy();
  } finally {
    await agent.stop();
  }
});
