import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import assert from 'node:assert/strict';
import { isSecureChatError, type ErrorCode } from '../../src/errors.js';

/** A fresh temporary directory, removed when the test file ends. */
export function tmpDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'securechat-identity-'));
  after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

export const modeOf = (p: string): number => statSync(p).mode & 0o777;

/** Every file under `dir`, recursively. */
export function allFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...allFiles(p));
    else out.push(p);
  }
  return out;
}

/** Asserts that `fn` rejects with a SecureChatError of `code` whose detail matches every pattern. */
export async function rejectsWith(fn: () => Promise<unknown>, code: ErrorCode, ...patterns: (string | RegExp)[]): Promise<void> {
  await assert.rejects(fn, (e: unknown) => {
    assert.ok(isSecureChatError(e), `expected a SecureChatError, got ${String(e)}`);
    assert.equal(e.code, code, e.detail);
    for (const p of patterns) {
      if (typeof p === 'string') assert.ok(e.detail.includes(p), `detail ${JSON.stringify(e.detail)} lacks ${JSON.stringify(p)}`);
      else assert.match(e.detail, p);
    }
    return true;
  });
}

export function throwsWith(fn: () => unknown, code: ErrorCode, ...patterns: (string | RegExp)[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isSecureChatError(e), `expected a SecureChatError, got ${String(e)}`);
    assert.equal(e.code, code, e.detail);
    for (const p of patterns) {
      if (typeof p === 'string') assert.ok(e.detail.includes(p), `detail ${JSON.stringify(e.detail)} lacks ${JSON.stringify(p)}`);
      else assert.match(e.detail, p);
    }
    return true;
  });
}
