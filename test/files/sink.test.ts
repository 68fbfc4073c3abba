/** The receiver's folder (docs/FILES.md §5.2): never outside it, never through a link, never over an existing file; names made safe. */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isSecureChatError } from '../../src/errors.js';
import { PartFile, partPath, prepareFolder } from '../../src/files/sink.js';
import { safeComponent } from '../../src/files/paths.js';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
async function temp(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'securechat-sink-'));
  dirs.push(d);
  return d;
}
const unsafe = (e: unknown): boolean => isSecureChatError(e) && e.code === 'FILE_PATH_UNSAFE';

describe('receiving folder', () => {
  it('a symbolic link to a folder outside, planted where a folder of the transfer goes, is refused', async () => {
    const d = await temp();
    const into = join(d, 'in');
    const outside = join(d, 'outside');
    await mkdir(into);
    await mkdir(outside);
    await symlink(outside, join(into, 'photos'));
    await assert.rejects(prepareFolder(into, 'photos/a.jpg'), unsafe);
    assert.deepEqual(await readdir(outside), []);
  });

  it('the chosen folder itself being a link is refused', async () => {
    const d = await temp();
    await mkdir(join(d, 'real'));
    await symlink(join(d, 'real'), join(d, 'link'));
    await assert.rejects(prepareFolder(join(d, 'link'), 'a'), unsafe);
  });

  it('a symbolic link at the part file\'s name is not followed', async () => {
    const d = await temp();
    const target = join(d, 'victim');
    await writeFile(target, 'keep me');
    const { dir, name } = await prepareFolder(join(d, 'in'), 'x.bin');
    const part = partPath(dir, name, '00112233445566778899aabbccddeeff');
    await symlink(target, part);
    await assert.rejects(PartFile.open(part, 0), unsafe);
    assert.equal(await readFile(target, 'utf8'), 'keep me');
  });

  it('a finished file never replaces an existing one: "name (1).ext", "name (2).ext"', async () => {
    const d = await temp();
    const into = join(d, 'in');
    const names: string[] = [];
    await mkdir(into);
    await writeFile(join(into, 'report.pdf'), 'first');
    for (let i = 0; i < 2; i++) {
      const { dir, name } = await prepareFolder(into, 'report.pdf');
      const p = await PartFile.open(partPath(dir, name, `${i}0112233445566778899aabbccddeeff`), 0);
      await p.write(0, Buffer.from(`copy ${i}`));
      names.push(await p.finish(dir, name));
    }
    assert.deepEqual(names, ['report (1).pdf', 'report (2).pdf']);
    assert.equal(await readFile(join(into, 'report.pdf'), 'utf8'), 'first');
    assert.deepEqual((await readdir(into)).sort(), ['report (1).pdf', 'report (2).pdf', 'report.pdf']);
  });

  it('names are made safe for common file systems', () => {
    assert.equal(safeComponent('a:b*c?.txt'), 'a_b_c_.txt');
    assert.equal(safeComponent('CON'), '_CON');
    assert.equal(safeComponent('nul.txt'), '_nul.txt');
    assert.equal(safeComponent('trailing. . '), 'trailing');
    assert.equal(safeComponent('...'), '_');
    assert.equal(safeComponent('.hidden'), '.hidden');
  });
});
