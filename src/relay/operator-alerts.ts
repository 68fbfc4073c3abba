/**
 * What the relay's operator must hear (attack finding R2): a store that fails (a full disk,
 * a lost NATS) answers clients RELAY_UNAVAILABLE, and without this the operator was told
 * nothing. The first failure is reported at once, then at most one line per `everyMs` with
 * how many were not shown. Pure: the clock and the sink are parameters.
 */
import type { SecureChatError } from '../errors.js';
import type { RelayServerEvent } from './server.js';

export interface OperatorAlerts {
  /** For RelayServer's `onEvent`: reports failures on the relay's side (store, bugs). */
  readonly onEvent: (e: RelayServerEvent) => void;
  /** For failures outside a command (the retention sweep). */
  readonly failed: (what: string, error: unknown) => void;
}

export function operatorAlerts(report: (line: string) => void, now: () => number, everyMs = 60_000): OperatorAlerts {
  let lastAt = -Infinity;
  let hidden = 0;
  const failed = (what: string, error: unknown): void => {
    const t = now();
    if (t - lastAt < everyMs) {
      hidden++;
      return;
    }
    lastAt = t;
    const more = hidden > 0 ? ` (${hidden} more failures since the last report)` : '';
    hidden = 0;
    report(`relay store or internal failure: ${what}: ${describe(error)}${more}; clients get RELAY_UNAVAILABLE (is the disk full? is NATS reachable?)`);
  };
  return {
    onEvent: (e) => {
      if (e.type === 'reply-failed') failed('a reply could not be sent', e.error);
      else if (e.type === 'command-refused' && ourSide(e.error)) failed('a command failed', e.error);
    },
    failed,
  };
}

/** INTERNAL and RELAY_UNAVAILABLE raised on our side: the store, or a bug — not a client's bad command. */
const ourSide = (e: SecureChatError): boolean => e.side === 'local' && (e.code === 'INTERNAL' || e.code === 'RELAY_UNAVAILABLE');

function describe(e: unknown): string {
  const cause = typeof e === 'object' && e !== null && 'cause' in e ? (e as { cause?: unknown }).cause : undefined;
  const msg = (x: unknown): string => (x instanceof Error ? x.message : String(x));
  return cause === undefined ? msg(e) : `${msg(e)} (${msg(cause)})`;
}
