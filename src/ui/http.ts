/** Small HTTP helpers for the UI server: JSON bodies with a size limit, JSON and error replies. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { wipe } from '../crypto/bytes.js';

import { MAX_BODY_BYTES } from '../limits.js';
export { MAX_BODY_BYTES };

/** A refused request: HTTP status, stable code, one sentence. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Reads the whole body (at most MAX_BODY_BYTES) into one buffer the caller wipes. */
export function readBody(req: IncomingMessage, limit: number = MAX_BODY_BYTES): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? '0');
    if (Number.isFinite(declared) && declared > limit) {
      reject(new HttpError(413, 'TOO_LARGE', `the request is larger than ${limit} bytes`));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > limit) {
        failed = true;
        for (const x of chunks) wipe(x);
        reject(new HttpError(413, 'TOO_LARGE', `the request is larger than ${limit} bytes`));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (failed) return;
      const all = new Uint8Array(size);
      let off = 0;
      for (const c of chunks) {
        all.set(c, off);
        off += c.length;
        wipe(c);
      }
      resolve(all);
    });
    req.on('error', () => {
      if (!failed) reject(new HttpError(400, 'BAD_REQUEST', 'the request could not be read'));
      failed = true;
    });
  });
}

/** Parses a JSON object body; 415 for another content type, 400 for malformed JSON. Wipes `body`. */
export function parseJsonObject(req: IncomingMessage, body: Uint8Array): Record<string, unknown> {
  try {
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/json') throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'the request body must be JSON (Content-Type: application/json)');
    let v: unknown;
    try {
      v = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
    } catch {
      throw new HttpError(400, 'BAD_REQUEST', 'the request body is not valid JSON');
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new HttpError(400, 'BAD_REQUEST', 'the request body must be a JSON object');
    return v as Record<string, unknown>;
  } finally {
    wipe(body);
  }
}

export function field(o: Record<string, unknown>, name: string, type: 'string'): string;
export function field(o: Record<string, unknown>, name: string, type: 'boolean'): boolean;
export function field(o: Record<string, unknown>, name: string, type: 'string' | 'boolean'): string | boolean {
  const v = o[name];
  if (typeof v !== type) throw new HttpError(400, 'BAD_REQUEST', `the request needs "${name}" (a ${type})`);
  return v as string | boolean;
}

export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string>): void {
  const body = Buffer.from(JSON.stringify(value), 'utf8');
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(body.length) });
  res.end(body);
}

export function sendError(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string>): void {
  sendJson(res, status, { error: { code, message } }, headers);
}
