/**
 * The agent's file methods (docs/AGENT-API.md §7, docs/FILES.md): `files.send`,
 * `files.list`, `files.accept`, `files.decline`, `files.cancel`, `files.allow`,
 * `files.disallow`. Progress reaches subscribed clients as `event` notifications
 * (`file-offer`, `file-progress`, `file-retry`, `file-end`).
 */
import type { Messenger } from '../app/messenger.js';
import type { Feed } from '../app/listening.js';
import { FileService } from '../files/service.js';
import { manifestBytes } from '../files/manifest.js';
import { manifestOf, type TransferRecord } from '../files/store.js';
import { MAX_CHUNK_BYTES, MIN_CHUNK_BYTES } from '../files/limits.js';
import { bad, failure, optStr, str, username } from './methods.js';
import type { AgentState } from './methods.js';
import { RpcFailure, type Json, type JsonObject, type RpcRequest } from './rpc.js';

const services = new WeakMap<Messenger, FileService>();

/** Creates the file service of an agent's messenger (once, at start) and resumes what was unfinished. */
export function attachFiles(home: string, messenger: Messenger, feed: (user: string) => Feed): FileService {
  const s = new FileService({ home, messenger, feed });
  services.set(messenger, s);
  return s;
}

export function isFilesMethod(method: string): boolean {
  return method.startsWith('files.');
}

function view(s: FileService, r: TransferRecord): JsonObject {
  const m = manifestOf(r);
  return {
    id: r.id, direction: r.direction, peer: r.peer, state: r.state, createdAt: r.createdAt, updatedAt: r.updatedAt ?? r.createdAt,
    total: manifestBytes(m), files: m.entries.map((e) => ({ path: e.path, size: e.size })), position: { ...r.position }, running: s.live(r.id).running,
    ...(r.into === undefined ? {} : { into: r.into }), ...(r.saved === undefined ? {} : { saved: [...r.saved] }), ...(r.error === undefined ? {} : { error: { ...r.error } }),
  };
}

export async function handleFiles(state: AgentState, req: RpcRequest): Promise<Json> {
  const s = services.get(state.messenger);
  if (s === undefined) throw bad('file transfer is not running in this agent');
  const p = req.params;
  const as = username(p, 'as');
  try {
    switch (req.method) {
      case 'files.send': {
        const to = p['to'];
        if (typeof to !== 'object' || to === null || Array.isArray(to)) throw bad('"to" must be {account, host, port}');
        const t = to as JsonObject;
        const port = t['port'];
        if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65_535) throw bad('"to.port" must be a port number');
        const paths = p['paths'];
        if (!Array.isArray(paths) || paths.length === 0 || !paths.every((x) => typeof x === 'string' && x !== '')) throw bad('"paths" must be a list of file or folder paths');
        const cs = p['chunkSize'];
        if (cs !== undefined && (typeof cs !== 'number' || cs < MIN_CHUNK_BYTES || cs > MAX_CHUNK_BYTES || cs % 4096 !== 0)) throw bad(`"chunkSize" must be ${MIN_CHUNK_BYTES}..${MAX_CHUNK_BYTES}, a multiple of 4096`);
        const r = await s.send(as, { account: username(t, 'account'), host: str(t, 'host'), port }, paths as string[], cs);
        return view(s, r);
      }
      case 'files.list':
        return { transfers: (await s.store(as).list()).map((r) => view(s, r)), agent: { rss: process.memoryUsage.rss(), peakRss: s.peakRss } };
      case 'files.accept':
        return view(s, await s.accept(as, str(p, 'id'), optStr(p, 'into')));
      case 'files.decline':
        return view(s, await s.decline(as, str(p, 'id')));
      case 'files.cancel':
        return view(s, await s.cancel(as, str(p, 'id')));
      case 'files.allow': {
        const max = p['maxBytes'];
        if (typeof max !== 'number' || !Number.isSafeInteger(max) || max < 0) throw bad('"maxBytes" must be a number of bytes');
        const into = optStr(p, 'into');
        await s.allowList(as).set({ peer: username(p, 'peer'), maxBytes: max, ...(into === undefined ? {} : { into }) });
        return { allowed: true };
      }
      case 'files.disallow':
        return { removed: await s.allowList(as).remove(username(p, 'peer')) };
      case 'files.allowed':
        return { allowed: (await s.allowList(as).all()).map((r) => ({ ...r })) };
      default:
        throw bad(`no method "${req.method}"`);
    }
  } catch (e) {
    if (e instanceof RpcFailure) throw e;
    throw failure(e, { established: false, user: as });
  }
}
