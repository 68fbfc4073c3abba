/**
 * The references, measured in the same run on the same loopback: raw TCP (the floor),
 * node:tls with TLS 1.3 (P-256 self-signed certificate made with the openssl CLI at run
 * time, verified by the client against it), and @hyperswarm/secret-stream (Noise XX over
 * libsodium, static key pairs on both sides). Every reference server speaks the bench stream
 * header: echo mode (round trips) or sink mode (bulk, one byte back at the end).
 */
import { createServer, connect as netConnect, type Server, type Socket } from 'node:net';
import { createServer as tlsCreateServer, connect as tlsConnect, type TLSSocket } from 'node:tls';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SecretStream from '@hyperswarm/secret-stream';
import { MODE_ECHO, parseHeader } from './peers.js';

export const REF_KINDS = ['tcp', 'tls', 'secret-stream'] as const;
export type RefKind = (typeof REF_KINDS)[number];

export interface Cert {
  readonly key: string;
  readonly cert: string;
}

/** A fresh P-256 key and self-signed certificate for "localhost" (openssl CLI, into a temp dir). */
export function makeCert(): Cert {
  const dir = mkdtempSync(join(tmpdir(), 'securechat-bench-cert-'));
  try {
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert,
      '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost',
    ], { stdio: 'ignore' });
    return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What the bench needs of a byte stream: TCP socket, TLS socket and secret-stream all fit. */
export interface ByteStream {
  write(b: Uint8Array): boolean;
  on(event: 'data', fn: (b: Buffer) => void): unknown;
  once(event: 'drain', fn: () => void): unknown;
  end(): void;
  destroy(): void;
}

/** Serves one bench stream: reads the 9-byte header, then echoes or sinks. */
function serveStream(s: ByteStream): void {
  let head = Buffer.alloc(0);
  let mode = -1;
  let left = 0;
  s.on('data', (b: Buffer) => {
    if (mode < 0) {
      head = Buffer.concat([head, b]);
      if (head.length < 9) return;
      const h = parseHeader(head.subarray(0, 9));
      mode = h.mode;
      left = h.total;
      b = head.subarray(9);
      if (b.length === 0) return;
    }
    if (mode === MODE_ECHO) {
      s.write(b);
      return;
    }
    left -= b.length;
    if (left <= 0) {
      s.write(Uint8Array.of(1));
      left = Infinity;
    }
  });
}

export interface RefServers {
  readonly ports: Record<RefKind, number>;
  /** Handshakes completed by each server since it started; `tls-resumed`: those of them resumed from a ticket. */
  readonly handshakes: Record<RefKind | 'tls-resumed', number>;
  close(): Promise<void>;
}

function listenOn(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      resolve(typeof a === 'object' && a !== null ? a.port : 0);
    });
  });
}

const serverKeys = SecretStream.keyPair();
const clientKeys = SecretStream.keyPair();

export async function startRefServers(cert: Cert): Promise<RefServers> {
  const handshakes: Record<RefKind | 'tls-resumed', number> = { tcp: 0, tls: 0, 'secret-stream': 0, 'tls-resumed': 0 };
  const sockets = new Set<Socket>();
  const track = (s: Socket): void => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.once('close', () => sockets.delete(s));
  };
  const tcp = createServer({ noDelay: true }, (s) => {
    track(s);
    handshakes.tcp++;
    serveStream(s);
  });
  const tls = tlsCreateServer({ key: cert.key, cert: cert.cert, minVersion: 'TLSv1.3' }, (s) => {
    handshakes.tls++;
    if (s.isSessionReused()) handshakes['tls-resumed']++;
    s.setNoDelay(true);
    serveStream(s);
  });
  tls.on('connection', (s: Socket) => track(s));
  tls.on('tlsClientError', () => undefined);
  const ss = createServer({ noDelay: true }, (s) => {
    track(s);
    const st = new SecretStream(false, s, { keyPair: serverKeys });
    st.on('error', () => undefined);
    void st.opened.then((ok) => {
      if (ok) handshakes['secret-stream']++;
    });
    serveStream(st);
  });
  const ports = { tcp: await listenOn(tcp), tls: await listenOn(tls), 'secret-stream': await listenOn(ss) };
  return {
    ports,
    handshakes,
    close: async () => {
      for (const s of sockets) s.destroy();
      await Promise.all([tcp, tls, ss].map((x) => new Promise((r) => x.close(r))));
    },
  };
}

/** Connects and completes the reference's handshake (TCP: the 3-way handshake only). */
export function refConnect(kind: RefKind, port: number, cert: Cert): Promise<ByteStream> {
  return new Promise((resolve, reject) => {
    if (kind === 'tls') {
      const s: TLSSocket = tlsConnect({ host: '127.0.0.1', port, ca: cert.cert, servername: 'localhost', minVersion: 'TLSv1.3' }, () => {
        s.setNoDelay(true);
        resolve(s);
      });
      s.once('error', reject);
      return;
    }
    const raw = netConnect({ host: '127.0.0.1', port, noDelay: true }, () => {
      if (kind === 'tcp') resolve(raw);
    });
    raw.once('error', reject);
    if (kind === 'secret-stream') {
      const st = new SecretStream(true, raw, { keyPair: clientKeys });
      st.on('error', reject);
      st.opened.then(
        (ok) => (ok ? resolve(st) : reject(new Error('secret-stream handshake failed'))),
        reject,
      );
    }
  });
}

/**
 * The ticket the TLS 1.3 resumption reference offers: the newest one a server sent us. A
 * ticket is reusable (OpenSSL's tickets are stateless), so concurrent clients share it.
 */
let tlsTicket: Buffer | undefined;

/**
 * A TLS 1.3 resumption (RFC 8446 §2.2, PSK with (EC)DHE: OpenSSL clients offer only
 * psk_dhe_ke): the server decrypts the ticket, checks the binder, does one X25519 key
 * generation and one DH, signs nothing, and sends a new ticket. The first connection is a
 * full handshake that waits for its ticket. Resolves once the handshake is done.
 */
export function refConnectResume(port: number, cert: Cert): Promise<ByteStream> {
  return new Promise((resolve, reject) => {
    const had = tlsTicket !== undefined;
    let connected = false;
    const s: TLSSocket = tlsConnect({ host: '127.0.0.1', port, ca: cert.cert, servername: 'localhost', minVersion: 'TLSv1.3', ...(tlsTicket === undefined ? {} : { session: tlsTicket }) }, () => {
      s.setNoDelay(true);
      connected = true;
      if (had) resolve(s);
    });
    s.on('session', (t: Buffer) => {
      tlsTicket = t;
      if (!had && connected) resolve(s);
    });
    s.once('error', reject);
  });
}
