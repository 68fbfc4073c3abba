/**
 * Everything the command prints goes through here. The rules (README "Scripting with --json"):
 *
 * - Human mode: status, warnings and errors are one line each on stderr, lower case, behind
 *   the one prefix `securechat: `. Message lines (what a peer wrote, what a command was asked
 *   to show) go to stdout. `-q` silences status lines, never warnings, errors or messages.
 * - `--json`: one JSON object per line on stdout for every event, each with an `"event"`
 *   field; nothing else is written to stdout. A fatal error is also written to stderr as one
 *   human line, for the person watching.
 * - Colour only on a terminal and never when `NO_COLOR` is set (https://no-color.org).
 * - No secret is ever passed here: passwords never become strings in this program's own code.
 */

import type { JsonEvent, JsonValue } from '../app/host.js';

export const PREFIX = 'securechat: ';

export interface OutputOptions {
  readonly json: boolean;
  readonly quiet: boolean;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly stdout?: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr?: NodeJS.WritableStream & { isTTY?: boolean };
}

export type { JsonEvent, JsonValue };

/** A hook that lets an interactive line editor redraw its prompt around our lines. */
export interface LineGuard {
  before(): void;
  after(): void;
}

export class Output {
  readonly json: boolean;
  readonly quiet: boolean;
  private readonly out: NodeJS.WritableStream & { isTTY?: boolean };
  private readonly err: NodeJS.WritableStream & { isTTY?: boolean };
  private readonly colourOut: boolean;
  private readonly colourErr: boolean;
  private guard: LineGuard | undefined;

  constructor(o: OutputOptions) {
    this.json = o.json;
    this.quiet = o.quiet;
    this.out = o.stdout ?? process.stdout;
    this.err = o.stderr ?? process.stderr;
    const env = o.env ?? process.env;
    const noColour = env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '';
    const dumb = env['TERM'] === 'dumb';
    this.colourOut = !noColour && !dumb && this.out.isTTY === true;
    this.colourErr = !noColour && !dumb && this.err.isTTY === true;
  }

  /** While a line editor owns the terminal, it wraps each printed line (clear, print, redraw). */
  setGuard(g: LineGuard | undefined): void {
    this.guard = g;
  }

  private write(stream: NodeJS.WritableStream, line: string): void {
    this.guard?.before();
    stream.write(`${line}\n`);
    this.guard?.after();
  }

  /** A JSON event (json mode only). */
  event(e: JsonEvent): void {
    if (!this.json) return;
    this.write(this.out, JSON.stringify(e));
  }

  /** A status line (human mode, unless -q). `e` is the same fact for --json. */
  status(text: string, e?: JsonEvent): void {
    if (this.json) {
      if (e !== undefined) this.event(e);
      return;
    }
    if (this.quiet) return;
    this.write(this.err, this.dim(PREFIX, this.colourErr) + text);
  }

  /** A warning: shown even with -q. */
  warn(text: string, e?: JsonEvent): void {
    if (this.json) {
      this.event(e ?? { event: 'warning', message: text });
      return;
    }
    this.write(this.err, this.dim(PREFIX, this.colourErr) + this.paint('33', 'warning: ', this.colourErr) + text);
  }

  /** An error sentence: human line on stderr always; JSON event too in json mode. */
  error(text: string, e: JsonEvent): void {
    if (this.json) this.event(e);
    this.write(this.err, this.dim(PREFIX, this.colourErr) + this.paint('31', 'error: ', this.colourErr) + text);
  }

  /** A plain notice on stderr that -q does not silence (e.g. "interrupted"). */
  notice(text: string, e?: JsonEvent): void {
    if (this.json) {
      if (e !== undefined) this.event(e);
      return;
    }
    this.write(this.err, this.dim(PREFIX, this.colourErr) + text);
  }

  /** A line of content on stdout (human mode). */
  line(text: string, e?: JsonEvent): void {
    if (this.json) {
      if (e !== undefined) this.event(e);
      return;
    }
    this.write(this.out, text);
  }

  /** Help and version text: plain stdout, in both modes. */
  plain(text: string): void {
    this.out.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** A prompt (no newline) on stderr. */
  prompt(text: string): void {
    this.err.write(text);
  }

  /** Bold peer name on stdout when colour is allowed. */
  name(n: string): string {
    return this.paint('1', n, this.colourOut);
  }

  private dim(s: string, on: boolean): string {
    return this.paint('2', s, on);
  }

  private paint(code: string, s: string, on: boolean): string {
    return on ? `\u001b[${code}m${s}\u001b[0m` : s;
  }
}

/** Removes control characters from text that came from a peer or a file before showing it. */
export function printable(text: string): string {
  // C0 controls except tab, DEL, C1 controls, and bidi overrides that could disguise a line.
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (c) => (c === '\n' ? '\n  ' : '\uFFFD'));
}

/** `HH:MM:SS` in local time. */
export function clock(ms: number): string {
  const d = new Date(ms);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
