/** The example users file shipped with the package (the README's first run), if present. */
import { access } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export async function exampleUsers(): Promise<string | undefined> {
  const p = fileURLToPath(new URL('../../../examples/users.json', import.meta.url));
  return access(p).then(() => p, () => undefined);
}
