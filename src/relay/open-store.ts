/**
 * `--store sqlite:PATH | nats://HOST:PORT[,nats://...] | memory`: which store a relay uses
 * (docs/RELAY.md §5). Each store's module is imported only when chosen, so a relay on NATS
 * never loads SQLite and nobody who never runs a relay loads either.
 */
import { localError } from '../errors.js';
import type { RelayStore } from './store.js';

export type StoreSpec = { readonly kind: 'sqlite'; readonly path: string } | { readonly kind: 'nats'; readonly servers: string } | { readonly kind: 'memory' };

/** Parses a `--store` value; `USAGE` with one sentence if it is none of the three forms. */
export function parseStoreSpec(s: string): StoreSpec {
  if (s === 'memory') return { kind: 'memory' };
  if (s.startsWith('sqlite:')) {
    const path = s.slice('sqlite:'.length);
    if (path === '') throw localError('USAGE', '--store sqlite:PATH needs a file name after "sqlite:"');
    return { kind: 'sqlite', path };
  }
  if (/^nats:\/\/[^\s/]+:\d{1,5}(,nats:\/\/[^\s/]+:\d{1,5})*$/.test(s)) return { kind: 'nats', servers: s };
  throw localError('USAGE', `--store must be sqlite:PATH, nats://HOST:PORT or memory, not "${s.slice(0, 80)}"`);
}

export interface OpenStoreOptions {
  readonly retentionMs: number;
  readonly maxQueueMessages: number;
  readonly maxLogEntries?: number;
  readonly replicas?: number;
}

export async function openStore(spec: StoreSpec, o: OpenStoreOptions): Promise<RelayStore> {
  switch (spec.kind) {
    case 'memory':
      return new (await import('./memory-store.js')).MemoryStore();
    case 'sqlite':
      return (await import('./sqlite-store.js')).SqliteStore.open(spec.path);
    case 'nats': {
      const servers = spec.servers.split(',').join(',');
      return (await import('./nats-store.js')).NatsStore.open({ servers, retentionMs: o.retentionMs, maxQueueMessages: o.maxQueueMessages, ...(o.maxLogEntries === undefined ? {} : { maxLogEntries: o.maxLogEntries }), ...(o.replicas === undefined ? {} : { replicas: o.replicas }) });
    }
  }
}
