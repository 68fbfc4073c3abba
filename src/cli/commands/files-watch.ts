/** Follows one transfer's `file-*` events from the agent until it ends (for `send-file` and `files receive`). */
import type { AgentClient } from '../../agent/client.js';
import type { JsonObject } from '../../agent/rpc.js';
import type { JsonEvent } from '../../app/host.js';
import { ExitCode, exitCodeFor } from '../../app/exit-codes.js';
import type { ErrorCode } from '../../errors.js';
import type { Cli } from '../context.js';
import type { Bar } from '../progress.js';

/** A JSON field as text ('' when it is neither text nor a number). */
function txt(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? `${v}` : '';
}

function obj(v: unknown): JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as JsonObject) : {};
}

export interface Watch {
  /** Resolves with the exit code once transfer `id` ended. */
  until(id: string): Promise<ExitCode>;
  /** Every event seen (`files receive` picks offers from it). */
  onOffer(fn: (e: JsonObject) => void): void;
}

export function watchTransfer(cli: Cli, agent: AgentClient, bar: Bar): Watch {
  let want: string | undefined;
  const early: JsonObject[] = [];
  let done: (c: ExitCode) => void = () => undefined;
  const offers: ((e: JsonObject) => void)[] = [];
  const ended = new Promise<ExitCode>((r) => {
    done = r;
  });
  const handle = (e: JsonObject): void => {
    const kind = e['event'];
    if (kind === 'file-offer') {
      for (const f of offers) f(e);
      return;
    }
    if (want === undefined || e['id'] !== want) return;
    if (kind === 'file-progress') {
      const bytes = Number(e['bytes']);
      const total = Number(e['total']);
      bar.update(bytes, total);
      cli.out.event(e as JsonEvent);
    } else if (kind === 'file-accepted' || kind === 'file-resumed') {
      cli.out.status(txt(e['text']), e as JsonEvent);
    } else if (kind === 'file-retry') {
      cli.out.warn(txt(e['text'] ?? 'paused; trying again'), e as JsonEvent);
    } else if (kind === 'file-end') {
      bar.stop();
      const state = e['state'];
      if (state === 'done') {
        cli.out.status(txt(e['text'] ?? 'done'), e as JsonEvent);
        done(ExitCode.OK);
      } else {
        const code = typeof e['code'] === 'string' ? e['code'] : 'CANCELLED';
        cli.out.error(txt(e['sentence'] ?? `the transfer ended: ${txt(state)}`), { event: 'error', code, id: txt(e['id']), state: txt(state) });
        done(exitCodeFor(code as ErrorCode, true));
      }
    }
  };
  agent.onEvent((p) => {
    const e = obj(p['event']);
    const withText = { ...e, text: p['text'] };
    if (want === undefined && e['event'] !== 'file-offer') early.push(withText);
    else handle(withText);
  });
  return {
    until(id) {
      want = id;
      for (const e of early.splice(0)) handle(e);
      return ended;
    },
    onOffer(fn) {
      offers.push(fn);
    },
  };
}
