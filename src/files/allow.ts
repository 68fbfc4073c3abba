/**
 * Contacts who may send files without being asked (docs/FILES.md §5.4): per local user, a
 * list of (peer, size limit, folder) in `files-allow.json` of their home folder (0600).
 */
import { join } from 'node:path';
import { atomicWriteFile, readFileIfExists } from '../fs/private-files.js';
import { userDir } from '../identity/home.js';
import { localError } from '../errors.js';

export interface AllowRule {
  readonly peer: string;
  readonly maxBytes: number;
  readonly into?: string;
}

export class AllowList {
  readonly #path: string;

  constructor(home: string, as: string) {
    this.#path = join(userDir(home, as), 'files-allow.json');
  }

  async all(): Promise<AllowRule[]> {
    const b = await readFileIfExists(this.#path, 1024 * 1024);
    if (b === undefined) return [];
    try {
      const v: unknown = JSON.parse(new TextDecoder().decode(b));
      if (!Array.isArray(v)) throw new Error('not a list');
      return v.filter((r): r is AllowRule => typeof r === 'object' && r !== null && typeof (r as AllowRule).peer === 'string' && typeof (r as AllowRule).maxBytes === 'number');
    } catch (e) {
      throw localError('CONFIG', `${this.#path} is not a list of contacts allowed to send files`, e);
    }
  }

  async find(peer: string): Promise<AllowRule | undefined> {
    return (await this.all().catch(() => [])).find((r) => r.peer === peer);
  }

  async set(rule: AllowRule): Promise<void> {
    const rest = (await this.all()).filter((r) => r.peer !== rule.peer);
    await atomicWriteFile(this.#path, new TextEncoder().encode(JSON.stringify([...rest, rule])));
  }

  async remove(peer: string): Promise<boolean> {
    const all = await this.all();
    const rest = all.filter((r) => r.peer !== peer);
    if (rest.length === all.length) return false;
    await atomicWriteFile(this.#path, new TextEncoder().encode(JSON.stringify(rest)));
    return true;
  }
}
