/**
 * Argon2id parameters (OPAQUE's key-stretching function) as plain data, apart from the OPAQUE
 * library (src/crypto/opaque.ts re-exports them), so a command that only talks to the agent
 * never instantiates the library's WebAssembly just to name its default.
 */

/** Argon2id parameters used as OPAQUE's key-stretching function, kept in the record's metadata. */
export interface KsfParams {
  /** Memory in KiB. */
  readonly memoryKiB: number;
  readonly iterations: number;
  readonly parallelism: number;
}

/** The library's default, "memory-constrained" (RFC 9106 §4 second recommendation): 64 MiB, t=3, p=4. */
export const KSF_DEFAULT: KsfParams = { memoryKiB: 65_536, iterations: 3, parallelism: 4 };
/** A cheap setting for tests only (Argon2id's minimum memory is 8 KiB per lane). */
export const KSF_TEST: KsfParams = { memoryKiB: 64, iterations: 1, parallelism: 1 };
