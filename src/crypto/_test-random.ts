import { createHash } from 'node:crypto';
import type { RandomSource } from './random.js';

/** Deterministic byte stream for tests and vector files: SHA-256(seed || counter) blocks. */
export function deterministicRandom(seed: string): RandomSource {
  let counter = 0;
  let buf = new Uint8Array(0);
  return (n: number) => {
    while (buf.length < n) {
      const block = createHash('sha256').update(seed).update(String(counter++)).digest();
      const next = new Uint8Array(buf.length + block.length);
      next.set(buf);
      next.set(block, buf.length);
      buf = next;
    }
    const out = buf.slice(0, n);
    buf = buf.slice(n);
    return out;
  };
}
