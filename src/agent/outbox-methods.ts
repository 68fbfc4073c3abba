/**
 * The agent's outbox methods (docs/AGENT-API.md §4.11–4.12): `outbox` lists (and with `wait`
 * waits until it is empty), `outbox.cancel` removes one message. `send` to a contact goes
 * through the outbox too (methods.ts hands it over with {@link sendViaOutbox}).
 */
import { explain, type FailContext } from '../app/errors-text.js';
import type { Reporter } from '../app/host.js';
import { PasswordNeeded } from '../app/messenger.js';
import type { OutboxRunner } from '../app/outbox-runner.js';
import type { Target } from '../app/target.js';
import { usernameProblem } from '../identity/username.js';
import { RpcCode, RpcFailure, type Json, type JsonObject, type RpcRequest } from './rpc.js';

function user(p: JsonObject): string {
  const v = p['as'];
  if (typeof v !== 'string' || usernameProblem(v) !== undefined) throw new RpcFailure(RpcCode.INVALID_PARAMS, '"as" must be a valid username');
  return v;
}

function failed(e: unknown, fail: FailContext): RpcFailure {
  if (e instanceof RpcFailure) return e;
  if (e instanceof PasswordNeeded) return new RpcFailure(RpcCode.PASSWORD_NEEDED, e.message, { account: e.account });
  const x = explain(e, fail);
  return new RpcFailure(RpcCode.FAILED, x.sentence, { code: x.code, exit: x.exit, sentence: x.sentence });
}

/** `send` to a contact: delivered at once, or queued (`wait`: answered once delivered). */
export async function sendViaOutbox(outbox: OutboxRunner, as: string, to: Target, text: string, wait: boolean, report: Reporter): Promise<Json> {
  const fail: FailContext = { established: false, user: as, peer: to.account };
  try {
    const r = await outbox.send(as, to, text, report, wait);
    return { peer: r.peer, messageId: r.messageId, delivered: r.delivered, queued: r.reason !== undefined || !r.delivered, ...(r.reason === undefined ? {} : { reason: { code: r.reason.code, sentence: r.reason.sentence } }) };
  } catch (e) {
    throw failed(e, fail);
  }
}

/** Handles the outbox methods; `undefined` for any other method. */
export async function handleOutbox(outbox: OutboxRunner, req: RpcRequest): Promise<Json | undefined> {
  const p = req.params;
  switch (req.method) {
    case 'outbox': {
      const as = user(p);
      const fail: FailContext = { established: false, user: as };
      try {
        if (p['wait'] === true) await outbox.waitEmpty(as);
        const items = await outbox.list(as);
        return {
          as,
          messages: items.map((m) => ({
            messageId: m.id,
            to: { account: m.to.account, host: m.to.host, port: m.to.port },
            text: m.text,
            queuedAt: new Date(m.queuedAt).toISOString(),
            attempts: m.attempts,
            nextAttemptAt: new Date(m.nextAttemptAt).toISOString(),
            delivering: m.delivering,
            ...(m.lastError === undefined ? {} : { lastError: { code: m.lastError.code, sentence: m.lastError.sentence } }),
          })),
        };
      } catch (e) {
        throw failed(e, fail);
      }
    }
    case 'outbox.cancel': {
      const as = user(p);
      const id = p['messageId'];
      if (typeof id !== 'string' || !/^[0-9a-fA-F]{4,32}$/.test(id)) throw new RpcFailure(RpcCode.INVALID_PARAMS, '"messageId" must be a message id (4 to 32 hex digits)');
      try {
        return { cancelled: await outbox.cancel(as, id) };
      } catch (e) {
        throw failed(e, { established: false, user: as });
      }
    }
    default:
      return undefined;
  }
}
