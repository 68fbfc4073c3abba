/**
 * Named limits of the group layer (docs/GROUPS.md §7). They live here rather than in
 * src/limits.ts only because this part of issue 14 was built while other engineers were
 * changing that file; move them there when the group layer is integrated.
 */

/** Largest group frame we decode (version + kind + MLS message). A 200-member Welcome on suite 83 is ~300 KiB. */
export const MAX_GROUP_FRAME_BYTES = 4 * 1024 * 1024;
/** Longest MLS group id we accept (ours are 32 random bytes). */
export const MAX_GROUP_ID_BYTES = 64;
/** Digests of processed frames remembered per group, for GROUP_REPLAY (oldest forgotten first). */
export const GROUP_REPLAY_WINDOW = 4096;
/** Past epochs whose application-message keys are kept for late messages. */
export const GROUP_RETAIN_EPOCHS = 4;
/** Out-of-order application messages tolerated per sender and epoch (skipped generations kept). */
export const GROUP_RETAIN_GENERATIONS = 64;
/** Farthest a sender's generation may jump ahead before the message is refused. */
export const GROUP_MAX_FORWARD_RATCHET = 1024;
/** Entries read from a group's log per request (the relay's MAX_RELAY_FETCH). */
export const GROUP_LOG_READ_BATCH = 32;
/** Appends of one commit (or message) that may lose to another entry before we give up with RELAY_CONFLICT. */
export const GROUP_MAX_COMMIT_ATTEMPTS = 16;
