/**
 * A process whose very first act is connect(): nothing has loaded the OPAQUE WebAssembly yet.
 * Usage: node _fresh-client.js PORT ACCOUNT PASSWORD. Prints "ok" after a receipt, or the error code.
 */
import { randomBytes } from 'node:crypto';
import { connect } from '../../src/chat/connect.js';
import { ed25519PublicFromSeed } from '../../src/crypto/ecc.js';

const [port, account, password] = process.argv.slice(2);
const seed = new Uint8Array(randomBytes(32));
try {
  const c = await connect({
    host: '127.0.0.1', port: Number(port), account: account ?? '', password: new TextEncoder().encode(password ?? ''),
    self: { name: 'fresh', seed, publicKey: ed25519PublicFromSeed(seed) },
    policy: { check: () => ({ state: 'new' }), commit: async () => undefined },
  });
  await c.waitReceipt(c.send('from a fresh process'), 10_000);
  await c.close();
  process.stdout.write('ok\n');
} catch (e) {
  process.stdout.write(`${(e as { code?: string }).code ?? String(e)}\n`);
}
