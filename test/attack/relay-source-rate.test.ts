/**
 * ATTACK FINDING R1 (attack2, /work/attack2/FINDINGS.md): the relay's command budget is per
 * connection only, and a source may hold 64 connections. Measured against `securechat relay`
 * (SQLite, this machine under load): 63 connections from 127.0.0.3, each within its own
 * 200/s, sending FETCH with a zero signature on a queue id that exists (the relay runs the
 * Ed25519 check for each; the attacker signs nothing) for 8 s: the relay answered ~390
 * checks/s, nothing was RATE_LIMITED, and another client's FETCH from 127.0.0.1 waited
 * 40.4 s (9 ms before). The backlog is worked off after the attacker left.
 *
 * Expected (fails on the current code): the command budget is per source, shared by all of
 * its connections: with a burst of 10 and no refill (injected clock), four connections from
 * one address get 10 commands handled in all, the rest RATE_LIMITED.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSecureChatError } from '../../src/errors.js';
import { MemoryStore } from '../../src/relay/memory-store.js';
import { startRelay } from '../relay/_relay.js';

test('ATTACK R1: connections from one source share one command budget (RATE_LIMITED past it)', async () => {
  const now = (): number => 1_000_000; // the bucket never refills
  const r = await startRelay(new MemoryStore(), { now, limits: { commandBurst: 10, commandsPerSecond: 1 } });
  const conns = await Promise.all([r.connect(), r.connect(), r.connect(), r.connect()]);
  try {
    const unknown = { recvId: new Uint8Array(16).fill(3), recvSeed: new Uint8Array(32).fill(4) };
    const codes: string[] = [];
    for (const c of conns) {
      for (let i = 0; i < 10; i++) {
        await c.receive(unknown).then(
          () => codes.push('OK'),
          (e: unknown) => codes.push(isSecureChatError(e) ? e.code : 'not a SecureChatError'),
        );
      }
    }
    const handled = codes.filter((c) => c !== 'RATE_LIMITED').length;
    assert.equal(codes.length, 40);
    assert.equal(handled, 10, `one source's connections share a burst of 10; handled ${handled} of 40 (${codes.filter((c) => c === 'RATE_LIMITED').length} RATE_LIMITED)`);
  } finally {
    await Promise.all(conns.map((c) => c.close()));
    await r.stop();
  }
});
