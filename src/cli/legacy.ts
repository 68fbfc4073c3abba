/**
 * `--legacy`: the original program's protocol (src/legacy/net.ts), only on explicit request,
 * with its weakness warning printed every time (also with -q). The original's log line format
 * is appended to `logging.txt` (listener) or `clientlogging.txt` (sender) in the user's
 * directory.
 */
import { join } from 'node:path';
import { wipe } from '../crypto/bytes.js';
import { ensureUserDir, entryPassword, formatAddress, type UserEntry } from '../identity/index.js';
import { legacySend, runLegacyListener, type LegacyEvent } from '../legacy/net.js';
import type { Cli } from './context.js';
import { ExitCode } from '../app/exit-codes.js';
import { clock, printable } from './output.js';
import type { Target } from '../app/target.js';

function show(cli: Cli, e: LegacyEvent): void {
  switch (e.type) {
    case 'warning':
      cli.out.warn(e.text, { event: 'warning', code: 'LEGACY_PROTOCOL', message: e.text });
      return;
    case 'listening':
      cli.out.status(`listening with the legacy v0 protocol on ${formatAddress(e.host, e.port)}; Ctrl-C stops`, { event: 'listening', legacy: true, host: e.host, port: e.port });
      return;
    case 'connection':
      cli.out.status(`legacy connection with ${e.peer}`, { event: 'connection', legacy: true, peer: e.peer });
      return;
    case 'step':
      cli.out.status(e.text, { event: 'step', legacy: true, peer: e.peer, text: e.text });
      return;
    case 'message':
      cli.out.line(`[${clock(e.receivedAt)}] ${e.peer} (legacy, unauthenticated): ${printable(e.text)}`, {
        event: 'message',
        legacy: true,
        from: e.peer,
        text: e.text,
        sentAt: new Date(e.timestamp * 1000).toISOString(),
        receivedAt: new Date(e.receivedAt).toISOString(),
      });
      return;
    case 'delivered':
      cli.out.status(`delivered to ${e.peer} (acknowledged by the legacy receiver)`, { event: 'receipt', legacy: true, from: e.peer });
      return;
    case 'logged':
      cli.out.status(`appended the original-format log line to ${e.path}`, { event: 'logged', legacy: true, path: e.path });
      return;
    case 'closed':
      cli.out.status(`legacy session with ${e.peer} ended: ${e.text}`, { event: 'closed', legacy: true, peer: e.peer });
      return;
    case 'error':
      cli.out.status(`legacy session${e.peer === undefined ? '' : ` with ${e.peer}`} failed: ${e.code.toLowerCase()}: ${e.detail}`, {
        event: 'error',
        legacy: true,
        code: e.code,
        ...(e.peer === undefined ? {} : { peer: e.peer }),
        message: e.detail,
      });
      return;
  }
}

/** `send --legacy`: the original's sender side. */
export async function runLegacySend(cli: Cli, target: Target, text: string, user?: string): Promise<ExitCode> {
  cli.fail.peer = target.account;
  cli.fail.address = formatAddress(target.host, target.port);
  const pw = await cli.password(`password of ${target.account}: `);
  const logPath = user === undefined ? undefined : join((await ensureUserDir(cli.home(), user)).dir, 'clientlogging.txt');
  try {
    await legacySend({ host: target.host, port: target.port, password: pw, text, onEvent: (e) => show(cli, e), ...(logPath === undefined ? {} : { logPath }) });
  } finally {
    wipe(pw);
  }
  return ExitCode.OK;
}

/** `listen --legacy`: serves original senders one after another until Ctrl-C (or one, with --once). */
export async function runLegacyListen(cli: Cli, name: string, entry: UserEntry | undefined, host: string | undefined, port: number, once: boolean): Promise<ExitCode> {
  cli.fail.port = port;
  const dir = (await ensureUserDir(cli.home(), name)).dir;
  const pw = (entry === undefined ? undefined : entryPassword(entry)) ?? (await cli.password(`${name}'s password (the one the original senders use): `));
  const abort = new AbortController();
  cli.onCleanup(() => abort.abort());
  try {
    const r = await runLegacyListener({
      ...(host === undefined ? {} : { host }),
      port,
      password: pw,
      signal: abort.signal,
      logPath: join(dir, 'logging.txt'),
      ...(once ? { maxConnections: 1 } : {}),
      onEvent: (e) => show(cli, e),
    });
    if (once && r.failures > 0) return ExitCode.PROTOCOL;
  } finally {
    wipe(pw);
  }
  return ExitCode.OK;
}
