/**
 * The relay's per-group log (docs/RELAY.md §3, LOG_APPEND / LOG_READ) as the group layer's
 * `GroupLogPort` (docs/GROUPS.md §12): the thin adapter between `src/group/log-member.ts`
 * and `RelayClient`. Nothing else: no retry, no state.
 */
import type { GroupLog, RelayClient } from '../relay/client.js';
import type { GroupLogPort } from '../group/index.js';

export function relayLogPort(client: RelayClient, log: GroupLog): GroupLogPort {
  return {
    append: (expectAfter, data) => client.appendLog(log, expectAfter, data),
    read: async (after, max) => (await client.readLog(log, after, max)).map((i) => ({ seq: i.seq, data: i.data })),
  };
}
