/**
 * What a `send` that only asks the agent must never load (issue 12, docs/PERFORMANCE.md): the
 * protocol stack, the OPAQUE WebAssembly, ML-KEM, the page, the legacy bridge. Paths relative
 * to src/, packages as `pkg:NAME`. Used by light-imports.test.ts (the static import graph of
 * the sources) and send-bundle.test.ts (what the build really bundled).
 */
export const HEAVY: readonly RegExp[] = [/^crypto\/opaque\.ts$/, /^crypto\/mlkem\.ts$/, /^handshake\//, /^session\//, /^transport\//, /^chat\//, /^ui\//, /^legacy\//, /^log\//, /^group\//, /^pkg:@serenity-kit/, /^pkg:@noble\/post-quantum/, /^pkg:ws$/, /^pkg:ts-mls/];
