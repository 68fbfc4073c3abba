/**
 * What the built command writes, checked across whole exchanges: colour only on a terminal and
 * never with NO_COLOR, `--json` output that is one JSON object per line (every line parsed),
 * and no password in any output or any file of the home.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CLI, cleanup, freePort, jsonLines, Proc, run, SCRIPT, start, startListener, tempDir, testEnv, writeFile, writeUsers, type Result } from './_harness.js';

after(cleanup);

const ESC = '\u001b';

/** On a pseudo-terminal with a colour-capable TERM; `noColor` undefined = NO_COLOR not set at all. */
function startPtyColour(args: readonly string[], home: string, noColor: string | undefined): Proc {
  const quote = (a: string): string => `'${a.replace(/'/g, `'\\''`)}'`;
  const cmd = [process.execPath, CLI, ...args].map(quote).join(' ');
  const env: NodeJS.ProcessEnv = { ...testEnv(home), TERM: 'xterm-256color' };
  delete env['NO_COLOR'];
  if (noColor !== undefined) env['NO_COLOR'] = noColor;
  const child = spawn(SCRIPT, ['-qfec', cmd, '/dev/null'], { env, stdio: 'pipe' });
  return new Proc(child, `pty: securechat ${args.join(' ')}`);
}

interface Setup {
  readonly dir: string;
  readonly home: string;
  readonly users: string;
  readonly pwFile: string;
}

async function setup(): Promise<Setup> {
  const dir = await tempDir();
  const users = await writeUsers(dir, [
    { username: 'alice', password: 'pw-alice', port: await freePort() },
    { username: 'bob', password: 'pw-bob', port: await freePort() },
  ]);
  const pwFile = join(dir, 'bob.pw');
  await writeFile(pwFile, 'pw-bob\n');
  return { dir, home: join(dir, 'home'), users, pwFile };
}

/** A send/listen exchange plus a wrong password; returns every output, listener's included. */
async function exchange(s: Setup, env: Readonly<Record<string, string>>): Promise<string[]> {
  const bob = await startListener(['--as', 'bob', '--users', s.users], { home: s.home, env });
  const good = await run(['send', '--users', s.users, '--as', 'alice', '--to', 'bob', '--message', 'colourless'], { home: s.home, env, input: 'pw-bob\n' });
  assert.equal(good.code, 0, good.stderr);
  // The good send made alice and bob contacts (reconnect by keys); forget it, so the password is asked again.
  assert.equal((await run(['contacts', 'remove', 'bob', '--as', 'alice', '--users', s.users], { home: s.home, env })).code, 0);
  const bad = await run(['send', '--users', s.users, '--as', 'alice', '--to', 'bob', '--message', 'x'], { home: s.home, env, input: 'wrong\n' });
  assert.equal(bad.code, 3, bad.stderr);
  await bob.waitFor(/failed: wrong password/);
  bob.kill();
  const b = await bob.exited;
  return [good.stdout, good.stderr, bad.stdout, bad.stderr, b.stdout, b.stderr];
}

describe('colour', () => {
  it('not a terminal: no escape sequences, even without NO_COLOR', async () => {
    const s = await setup();
    const outs = await exchange(s, { NO_COLOR: '' });
    for (const o of outs) assert.ok(!o.includes(ESC), `escape sequence in piped output:\n${JSON.stringify(o)}`);
    assert.match(outs[5] ?? '', /securechat: .*is listening/);
  });

  it('a terminal: colour without NO_COLOR (control), none with NO_COLOR=1', async () => {
    const s = await setup();
    // Control: on a terminal, with NO_COLOR unset, the prefix is styled.
    const coloured = startPtyColour(['listen', '--as', 'bob', '--users', s.users], s.home, undefined);
    await coloured.waitFor(/is listening on/, 'stdout');
    assert.ok(coloured.stdout.includes(`${ESC}[`), `expected colour on a terminal:\n${JSON.stringify(coloured.stdout)}`);
    coloured.write('\u0003'); // Ctrl-C on the terminal: the listener stops cleanly and frees its log
    assert.equal((await coloured.exited).code, 130);

    for (const noColor of ['1', 'yes']) {
      const bob = startPtyColour(['listen', '--as', 'bob', '--users', s.users], s.home, noColor);
      await bob.waitFor(/is listening on/, 'stdout');
      const send = startPtyColour(['send', '--users', s.users, '--as', 'alice', '--to', 'bob', '--message', `no colour ${noColor}`, '--password-file', s.pwFile], s.home, noColor);
      const r = await send.exited;
      assert.equal(r.code, 0, r.stdout);
      assert.match(r.stdout, /delivered #1 to bob/);
      const bad = startPtyColour(['send', '--users', s.users, '--as', 'alice', '--to', 'nobody-here', '--message', 'x'], s.home, noColor);
      const br = await bad.exited;
      assert.equal(br.code, 2, br.stdout);
      assert.match(br.stdout, /error: /);
      await bob.waitFor(new RegExp(`alice: no colour ${noColor}`), 'stdout');
      bob.write('\u0003');
      const b = await bob.exited;
      assert.equal(b.code, 130);
      for (const o of [r.stdout, br.stdout, b.stdout]) assert.ok(!o.includes(ESC), `NO_COLOR=${noColor}: escape sequence on a terminal:\n${JSON.stringify(o)}`);
    }
  });
});

describe('--json', () => {
  it('every stdout line of a send/listen exchange (and of the failures) is one JSON object with an event', async () => {
    const s = await setup();
    const bob = start(['listen', '--json', '--as', 'bob', '--users', s.users], { home: s.home });
    await bob.waitFor(/"event":"listening"/, 'stdout');
    const results: Result[] = [];
    results.push(await run(['send', '--json', '--users', s.users, '--as', 'alice', '--to', 'bob', '--message', 'line\nbreak, "quotes" and \u00e9'], { home: s.home, input: 'pw-bob\n' }));
    results.push(await run(['contacts', 'remove', 'bob', '--json', '--as', 'alice', '--users', s.users], { home: s.home }));
    results.push(await run(['send', '--json', '--users', s.users, '--as', 'alice', '--to', 'bob', '--message', 'x'], { home: s.home, input: 'wrong\n' }));
    results.push(await run(['send', '--json', '--users', s.users, '--as', 'alice', '--to', 'nobody', '--message', 'x'], { home: s.home, input: 'pw-bob\n' }));
    results.push(await run(['log', 'show', '--json', '--as', 'alice', '--users', s.users], { home: s.home }));
    results.push(await run(['log', 'verify', '--json', '--as', 'alice', '--users', s.users], { home: s.home }));
    await bob.waitFor(/"event":"handshake-failed"/, 'stdout');
    bob.kill();
    const b = await bob.exited;
    assert.deepEqual(results.map((r) => r.code), [0, 0, 3, 2, 0, 0]);
    for (const out of [...results.map((r) => r.stdout), b.stdout]) {
      assert.ok(out.endsWith('\n'), 'the last line is complete');
      for (const line of out.split('\n').slice(0, -1)) {
        const v: unknown = JSON.parse(line);
        assert.ok(typeof v === 'object' && v !== null && !Array.isArray(v), line);
        assert.equal(typeof (v as Record<string, unknown>)['event'], 'string', line);
      }
    }
    const msg = jsonLines(b.stdout).find((e) => e['event'] === 'message');
    assert.equal(msg?.['text'], 'line\nbreak, "quotes" and \u00e9');
    const errors = [results[2], results[3]].map((r) => jsonLines(r?.stdout ?? '').filter((e) => e['event'] === 'error'));
    assert.deepEqual(errors.map((e) => e.at(-1)?.['code']), ['AUTH_FAILED', 'UNKNOWN_USER']);
  });
});

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(p)));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

describe('passwords', () => {
  it('no password appears in any output or any file of the home after a full exchange (v1, init, wrong password, legacy, logs)', async () => {
    const dir = await tempDir();
    const home = join(dir, 'home');
    const pw = { alice: 'Alice-Pa55-q7Zr', bob: 'Bob-Pa55-k2Wd', carol: 'Carol-Pa55-m9Tx', dave: 'Dave-Pa55-v4Lc', wrong: 'Wrong-Pa55-x1Yb' } as const;
    const ports = { alice: await freePort(), bob: await freePort(), carol: await freePort(), dave: await freePort() };
    const users = await writeUsers(dir, [
      { username: 'alice', password: pw.alice, port: ports.alice },
      { username: 'bob', password: pw.bob, port: ports.bob },
      { username: 'carol', port: ports.carol },
      { username: 'dave', password: pw.dave, port: ports.dave },
    ]);
    const carolPw = join(dir, 'carol.pw');
    await writeFile(carolPw, `${pw.carol}\n`);
    const outputs: string[] = [];
    const keep = (r: Result): Result => {
      outputs.push(r.stdout, r.stderr);
      return r;
    };

    assert.equal(keep(await run(['init', '--user', 'carol', '--users', users], { home, input: `${pw.carol}\n` })).code, 0);
    const bob = await startListener(['--as', 'bob', '--users', users], { home });
    const carol = await startListener(['--as', 'carol', '--users', users], { home });
    const dave = start(['listen', '--legacy', '--as', 'dave', '--users', users], { home });
    await dave.waitFor(/listening with the legacy v0 protocol/);

    assert.equal(keep(await run(['send', '--users', users, '--as', 'alice', '--to', 'bob', '--message', 'to bob'], { home, input: `${pw.bob}\n` })).code, 0);
    assert.equal(keep(await run(['send', '--users', users, '--as', 'alice', '--to', 'carol', '--message', 'to carol', '--password-file', carolPw], { home })).code, 0);
    assert.equal(keep(await run(['contacts', 'remove', 'bob', '--as', 'alice', '--users', users], { home })).code, 0);
    assert.equal(keep(await run(['send', '--json', '--users', users, '--as', 'alice', '--to', 'bob', '--message', 'x'], { home, input: `${pw.wrong}\n` })).code, 3);
    assert.equal(keep(await run(['send', '--legacy', '--users', users, '--as', 'alice', '--to', 'dave', '--message', 'to dave'], { home, input: `${pw.dave}\n` })).code, 0);
    assert.equal(keep(await run(['send', '--legacy', '--json', '--users', users, '--as', 'alice', '--to', 'dave', '--message', 'y'], { home, input: `${pw.wrong}\n` })).code, 3);
    assert.equal(keep(await run(['log', 'verify', '--legacy', join(home, 'users', 'dave', 'logging.txt')], { home, input: `${pw.dave}\n` })).code, 0);
    assert.equal(keep(await run(['log', 'verify', '--legacy', join(home, 'users', 'dave', 'logging.txt')], { home, input: `${pw.wrong}\n` })).code, 7);
    for (const who of ['alice', 'bob', 'carol']) {
      assert.equal(keep(await run(['log', 'show', '--as', who, '--users', users], { home })).code, 0);
      assert.equal(keep(await run(['log', 'verify', '--as', who, '--users', users], { home })).code, 0);
    }
    keep(await run(['peers', '--as', 'alice', '--users', users], { home }));
    await bob.waitFor(/failed: wrong password/);
    await dave.waitFor(/failed: auth_failed/);
    for (const l of [bob, carol, dave]) l.kill();
    for (const l of [bob, carol, dave]) keep(await l.exited);

    const files = await filesUnder(home);
    assert.ok(files.length >= 6, files.join('\n'));
    const needles = Object.values(pw).flatMap((p) => {
      const b = Buffer.from(p, 'utf8');
      return [b, Buffer.from(b.toString('hex')), Buffer.from(b.toString('base64').replace(/=+$/, '')), Buffer.from(p, 'utf16le')];
    });
    for (const f of files) {
      const content = await readFile(f);
      for (const n of needles) assert.equal(content.indexOf(n), -1, `${n.toString()} found in ${f}`);
    }
    const all = Buffer.from(outputs.join('\n'));
    for (const n of needles) assert.equal(all.indexOf(n), -1, `${n.toString()} found in the output`);
    // The checks saw the exchange: the messages arrived.
    assert.match(outputs.join('\n'), /alice: to bob/);
    assert.match(outputs.join('\n'), /\(legacy, unauthenticated\): to dave/);
  });
});
