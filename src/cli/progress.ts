/**
 * The one place the CLI draws a progress bar (bytes, rate, time left), with `cli-progress`
 * (pinned in package.json). Only on a terminal (stderr a TTY, not --json, not --quiet);
 * otherwise every call is a no-op and the caller prints `--json` events or status lines.
 */
import { SingleBar } from 'cli-progress';

export interface Bar {
  update(bytes: number, total: number): void;
  stop(): void;
}

const NONE: Bar = { update: () => undefined, stop: () => undefined };

function human(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(u === 0 ? 0 : 1)} ${units[u] ?? 'B'}`;
}

/** A bar on stderr when it is a terminal, else nothing. */
export function progressBar(label: string, onTerminal: boolean): Bar {
  if (!onTerminal || process.stderr.isTTY !== true) return NONE;
  const started = Date.now();
  const bar = new SingleBar({
    stream: process.stderr,
    hideCursor: true,
    clearOnComplete: false,
    format: `${label} [{bar}] {percentage}% | {done} of {size} | {rate}/s | {eta_formatted} left`,
    formatValue: (v, _o, type) => (type === 'value' || type === 'total' ? human(v) : String(v)),
  });
  let begun = false;
  return {
    update(bytes, total) {
      const secs = Math.max(0.001, (Date.now() - started) / 1000);
      const payload = { done: human(bytes), size: human(total), rate: human(bytes / secs) };
      if (!begun) {
        bar.start(Math.max(total, 1), bytes, payload);
        begun = true;
      } else bar.update(bytes, payload);
    },
    stop() {
      if (begun) bar.stop();
    },
  };
}
