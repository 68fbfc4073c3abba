/**
 * Event-driven waits for tests: each is bounded and fails with a message saying what was
 * awaited. The bound is a safety net against a hang, never the thing a test decides on.
 */

/** Resolves when `cond()` holds, re-checking on every `check()` call or every `everyMs`; rejects after `maxMs`. */
export function waitUntil(cond: () => boolean, what: string, o: { maxMs?: number; everyMs?: number } = {}): Promise<void> {
  const maxMs = o.maxMs ?? 60_000;
  const everyMs = o.everyMs ?? 10;
  return new Promise((resolve, reject) => {
    if (cond()) return resolve();
    const started = Date.now();
    const iv = setInterval(() => {
      if (cond()) {
        clearInterval(iv);
        resolve();
      } else if (Date.now() - started > maxMs) {
        clearInterval(iv);
        reject(new Error(`timed out after ${maxMs} ms waiting for: ${what}`));
      }
    }, everyMs);
  });
}

/** Like waitUntil with an asynchronous condition (e.g. a question to a child process). */
export async function waitUntilAsync(cond: () => Promise<boolean>, what: string, o: { maxMs?: number; everyMs?: number } = {}): Promise<void> {
  const maxMs = o.maxMs ?? 60_000;
  const everyMs = o.everyMs ?? 20;
  const started = Date.now();
  for (;;) {
    if (await cond()) return;
    if (Date.now() - started > maxMs) throw new Error(`timed out after ${maxMs} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Rejects with a message naming `what` if `p` has not settled within `maxMs`. */
export function within<T>(p: Promise<T>, what: string, maxMs = 60_000): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    t = setTimeout(() => reject(new Error(`timed out after ${maxMs} ms waiting for: ${what}`)), maxMs);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(t));
}
