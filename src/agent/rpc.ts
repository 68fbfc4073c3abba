/**
 * JSON-RPC 2.0 (https://www.jsonrpc.org/specification) over newline-delimited JSON, as the
 * agent speaks it on its socket (docs/AGENT-API.md). Pure: lines in, typed messages out.
 *
 * A line is one JSON object; lines longer than `AGENT_MAX_LINE_BYTES` are refused before they
 * are parsed (`LineSplitter` stops buffering at the limit).
 */
import { AGENT_MAX_LINE_BYTES } from '../limits.js';

/** The version of the agent API (docs/AGENT-API.md §1); a client refuses an agent that speaks another. */
export const AGENT_API_VERSION = 1;

export type Json = string | number | boolean | null | readonly Json[] | { readonly [k: string]: Json | undefined };
export type JsonObject = { readonly [k: string]: Json | undefined };
export type RpcId = number | string;

export interface RpcRequest {
  readonly id: RpcId;
  readonly method: string;
  readonly params: JsonObject;
}
export interface RpcNotification {
  readonly method: string;
  readonly params: JsonObject;
}
export interface RpcErrorObject {
  readonly code: number;
  readonly message: string;
  readonly data?: JsonObject;
}
export type RpcResponse = { readonly id: RpcId | null; readonly result: Json } | { readonly id: RpcId | null; readonly error: RpcErrorObject };

/** JSON-RPC's own error codes, plus the agent's (docs/AGENT-API.md §3). */
export const RpcCode = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  /** The operation failed; `data.code` is the stable SecureChatError code, `data.exit` the CLI's exit code. */
  FAILED: -32000,
  /** The operation needs the listener's password, and none was given (ask, then retry with it). */
  PASSWORD_NEEDED: -32001,
  /** The agent is stopping. */
  STOPPING: -32002,
  /** The agent serves as many clients as it takes (AGENT_MAX_CLIENTS); sent unasked, with `id` null, then the connection ends. */
  TOO_MANY_CLIENTS: -32003,
} as const;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export type Incoming =
  | { readonly type: 'request'; readonly request: RpcRequest }
  | { readonly type: 'notification'; readonly notification: RpcNotification }
  | { readonly type: 'response'; readonly response: RpcResponse }
  | { readonly type: 'invalid'; readonly id: RpcId | null; readonly code: number; readonly message: string };

/** Classifies one line. Never throws: a bad line is `invalid` with the error to answer. */
export function parseLine(line: string): Incoming {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return { type: 'invalid', id: null, code: RpcCode.PARSE_ERROR, message: 'not JSON' };
  }
  if (!isObject(v) || v['jsonrpc'] !== '2.0') return { type: 'invalid', id: null, code: RpcCode.INVALID_REQUEST, message: 'not a JSON-RPC 2.0 object' };
  const rawId = v['id'];
  const id: RpcId | null | undefined = typeof rawId === 'number' || typeof rawId === 'string' ? rawId : rawId === null ? null : undefined;
  if (rawId !== undefined && id === undefined) return { type: 'invalid', id: null, code: RpcCode.INVALID_REQUEST, message: 'id must be a number or a string' };
  const method = v['method'];
  if (typeof method === 'string') {
    const p = v['params'] ?? {};
    if (!isObject(p)) return { type: 'invalid', id: id ?? null, code: RpcCode.INVALID_PARAMS, message: 'params must be an object' };
    const params = p as JsonObject;
    if (id === undefined || id === null) return { type: 'notification', notification: { method, params } };
    return { type: 'request', request: { id, method, params } };
  }
  if (id === undefined) return { type: 'invalid', id: null, code: RpcCode.INVALID_REQUEST, message: 'neither a request nor a response' };
  if ('result' in v) return { type: 'response', response: { id, result: (v['result'] ?? null) as Json } };
  const e = v['error'];
  if (isObject(e) && typeof e['code'] === 'number' && typeof e['message'] === 'string') {
    const data = isObject(e['data']) ? (e['data'] as JsonObject) : undefined;
    return { type: 'response', response: { id, error: { code: e['code'], message: e['message'], ...(data === undefined ? {} : { data }) } } };
  }
  return { type: 'invalid', id, code: RpcCode.INVALID_REQUEST, message: 'a response needs result or error' };
}

export function encodeRequest(r: RpcRequest): string {
  return `${JSON.stringify({ jsonrpc: '2.0', id: r.id, method: r.method, params: r.params })}\n`;
}
export function encodeNotification(n: RpcNotification): string {
  return `${JSON.stringify({ jsonrpc: '2.0', method: n.method, params: n.params })}\n`;
}
export function encodeResult(id: RpcId | null, result: Json): string {
  return `${JSON.stringify({ jsonrpc: '2.0', id, result })}\n`;
}
export function encodeError(id: RpcId | null, error: RpcErrorObject): string {
  return `${JSON.stringify({ jsonrpc: '2.0', id, error })}\n`;
}

/**
 * Splits a byte stream into lines. `push` returns the complete lines; a line longer than the
 * limit makes `push` return `null` (the caller drops the connection: nothing more is parsed).
 */
export class LineSplitter {
  #buf = '';
  #bytes = 0;
  readonly #max: number;

  constructor(max = AGENT_MAX_LINE_BYTES) {
    this.#max = max;
  }

  push(chunk: string): string[] | null {
    const out: string[] = [];
    let rest = chunk;
    for (;;) {
      const nl = rest.indexOf('\n');
      if (nl < 0) break;
      const piece = rest.slice(0, nl);
      if (this.#bytes + Buffer.byteLength(piece) > this.#max) return null;
      out.push(this.#buf + piece);
      this.#buf = '';
      this.#bytes = 0;
      rest = rest.slice(nl + 1);
    }
    this.#bytes += Buffer.byteLength(rest);
    if (this.#bytes > this.#max) return null;
    this.#buf += rest;
    return out.filter((l) => l.trim() !== '');
  }
}

/** What a method handler throws to answer with a JSON-RPC error. */
export class RpcFailure extends Error {
  constructor(readonly rpcCode: number, message: string, readonly data?: JsonObject) {
    super(message);
  }
}
