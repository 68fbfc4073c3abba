/**
 * What the application core needs from whoever runs it (a CLI command, the page's server, the
 * agent): where the home is, the key-stretching parameters for new registrations (cheap ones
 * are injected by test entry points, never read from the environment), what the running
 * operation knew when it failed, and where to report progress and warnings.
 */
import type { KsfParams } from '../crypto/opaque.js';
import type { FailContext } from './errors-text.js';

export type Env = Readonly<Record<string, string | undefined>>;

export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [k: string]: JsonValue | undefined };
/** One fact, as a `--json` line or an agent event: `event` names its kind. */
export type JsonEvent = { readonly event: string } & { readonly [k: string]: JsonValue | undefined };

/** Where the core reports: a status line and a warning, each with the same fact as JSON. */
export interface Reporter {
  status(text: string, e?: JsonEvent): void;
  warn(text: string, e?: JsonEvent): void;
}

export interface AppHost {
  /** The home directory. */
  home(): string;
  /** Key-stretching parameters for a password registered now. */
  ksf(): KsfParams;
  readonly fail: FailContext;
  readonly out: Reporter;
}

/** A reporter that drops everything (for callers with nobody to tell). */
export const SILENT: Reporter = { status: () => undefined, warn: () => undefined };
