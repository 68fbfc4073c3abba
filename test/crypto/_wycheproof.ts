/**
 * Loader and tally helpers for the Wycheproof known-answer tests in test/crypto/.
 *
 * The vector files live in test/vectors/wycheproof/ (copied from C2SP/wycheproof,
 * testvectors_v1/, Apache-2.0; see test/vectors/WYCHEPROOF.md). Compiled tests run from
 * dist/test/crypto/, so the repository root is three levels up from this module.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';

/** Repository root, from dist/test/crypto/<file>.js. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export function vectorPath(name: string): string {
  return fileURLToPath(new URL(`../../../test/vectors/${name}`, import.meta.url));
}

export type WycheproofResult = 'valid' | 'invalid' | 'acceptable';

export interface WycheproofTest {
  readonly tcId: number;
  readonly comment: string;
  readonly flags: readonly string[];
  readonly result: WycheproofResult;
}

export interface WycheproofGroup<T extends WycheproofTest> {
  readonly type: string;
  readonly tests: readonly T[];
}

export interface WycheproofFile<G> {
  readonly algorithm: string;
  readonly numberOfTests: number;
  readonly testGroups: readonly G[];
}

/** Reads a Wycheproof file and checks that its declared test count matches its content. */
export function loadWycheproof<T extends WycheproofTest, G extends WycheproofGroup<T>>(
  file: string,
  expectedAlgorithm: string,
): WycheproofFile<G> {
  const parsed = JSON.parse(readFileSync(vectorPath(`wycheproof/${file}`), 'utf8')) as WycheproofFile<G>;
  assert.equal(parsed.algorithm, expectedAlgorithm, `${file}: unexpected algorithm`);
  const n = parsed.testGroups.reduce((s, g) => s + g.tests.length, 0);
  assert.equal(n, parsed.numberOfTests, `${file}: numberOfTests does not match the tests present`);
  assert.ok(n > 0, `${file}: no tests`);
  return parsed;
}

export function hex(h: string): Uint8Array {
  return new Uint8Array(Buffer.from(h, 'hex'));
}

export function toHexStr(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

/**
 * Per-file tally. `refused` counts cases whose parameters our wrappers deliberately do not
 * support and which the test asserted are refused (thrown), whatever their Wycheproof result.
 */
export class Tally {
  valid = 0;
  invalid = 0;
  acceptable = 0;
  refused = 0;

  get total(): number {
    return this.valid + this.invalid + this.acceptable + this.refused;
  }

  count(result: WycheproofResult): void {
    this[result]++;
  }

  toString(): string {
    return `valid=${this.valid} invalid=${this.invalid} acceptable=${this.acceptable} refused=${this.refused} total=${this.total}`;
  }

  /** Asserts the exact counts, so a file that silently ran fewer cases fails. */
  expect(want: { valid: number; invalid: number; acceptable: number; refused: number }): void {
    assert.deepEqual({ valid: this.valid, invalid: this.invalid, acceptable: this.acceptable, refused: this.refused }, want, this.toString());
  }
}

/** Describes one case in assertion messages. */
export function label(file: string, t: WycheproofTest): string {
  return `${file} tcId ${t.tcId} (${t.result}; ${t.comment}; ${t.flags.join(',')})`;
}
