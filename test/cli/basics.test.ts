/** The command without a peer: help, version, usage errors, users-file validation, init. */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { stat } from 'node:fs/promises';
import { cleanup, freePort, jsonLines, run, tempDir, writeFile, writeUsers } from './_harness.js';

after(cleanup);

const PREFIX = /^securechat: /;

function oneSentence(stderr: string): string {
  const lines = stderr.split('\n').filter((l) => l.includes('error:'));
  assert.equal(lines.length, 1, `exactly one error line expected:\n${stderr}`);
  assert.match(lines[0] ?? '', PREFIX);
  assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
  return lines[0] ?? '';
}

describe('help and version', () => {
  it('--version prints the version and exits 0', async () => {
    const r = await run(['--version']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^securechat \d+\.\d+\.\d+\n$/);
  });

  for (const cmd of ['init', 'listen', 'send', 'chat', 'peers', 'verify', 'trust', 'users', 'log']) {
    it(`${cmd} --help exits 0 and documents the common options`, async () => {
      const r = await run([cmd, '--help']);
      assert.equal(r.code, 0);
      assert.match(r.stdout, new RegExp(`usage: securechat ${cmd}`));
      assert.match(r.stdout, /--password-file FILE/);
      assert.equal(r.stderr, '');
    });
  }

  it('--help lists every command and the exit codes', async () => {
    const r = await run(['--help']);
    assert.equal(r.code, 0);
    for (const cmd of ['init', 'listen', 'send', 'chat', 'peers', 'verify', 'trust', 'users', 'log']) assert.match(r.stdout, new RegExp(`\\n  ${cmd} `));
    assert.match(r.stdout, /130 interrupted/);
  });
});

describe('usage errors (exit 2, one sentence)', () => {
  it('an unknown command', async () => {
    const r = await run(['frobnicate']);
    assert.equal(r.code, 2);
    assert.match(oneSentence(r.stderr), /unknown command "frobnicate"/);
  });

  it('an unknown option', async () => {
    const r = await run(['send', '--frob']);
    assert.equal(r.code, 2);
    assert.match(oneSentence(r.stderr), /unknown option --frob; see `securechat send --help`/);
  });

  it('an option without its value', async () => {
    const r = await run(['send', '--to']);
    assert.equal(r.code, 2);
    assert.match(oneSentence(r.stderr), /option --to needs a value/);
  });

  it('a password on the command line is refused and not echoed', async () => {
    const r = await run(['send', '--to', 'bob', '--message', 'x', '--password', 'hunter2-secret']);
    assert.equal(r.code, 2);
    assert.match(oneSentence(r.stderr), /never taken on the command line/);
    assert.doesNotMatch(r.stderr + r.stdout, /hunter2-secret/);
  });

  it('--json errors are one object per line with a stable code', async () => {
    const r = await run(['frobnicate', '--json']);
    assert.equal(r.code, 2);
    const [e] = jsonLines(r.stdout);
    assert.equal(e?.['event'], 'error');
    assert.equal(e?.['code'], 'USAGE');
    assert.equal(e?.['exit'], 2);
  });

  it('sending to an unknown user names the file and its users', async () => {
    const dir = await tempDir();
    const users = await writeUsers(dir, [{ username: 'bob', password: 'pw-bob', port: 5002 }]);
    const r = await run(['send', '--users', users, '--to', 'zed', '--as', 'alice', '--message', 'hi'], { home: join(dir, 'home'), input: 'pw\n' });
    assert.equal(r.code, 2);
    const line = oneSentence(r.stderr);
    assert.match(line, /unknown user "zed"/);
    assert.match(line, /it lists bob/);
  });

  it('nobody listening is a network error (exit 4)', async () => {
    const dir = await tempDir();
    const port = await freePort();
    const users = await writeUsers(dir, [{ username: 'bob', port }]);
    const r = await run(['send', '--users', users, '--to', 'bob', '--as', 'alice', '--message', 'hi'], { home: join(dir, 'home'), input: 'pw\n' });
    assert.equal(r.code, 4);
    assert.match(oneSentence(r.stderr), new RegExp(`nobody is listening at 127\\.0\\.0\\.1:${port}; start \`securechat listen\``));
  });

  it('a missing password line on piped input is a usage error', async () => {
    const dir = await tempDir();
    const users = await writeUsers(dir, [{ username: 'bob', port: await freePort() }]);
    const r = await run(['send', '--users', users, '--to', 'bob', '--as', 'alice', '--message', 'hi'], { home: join(dir, 'home'), input: '' });
    assert.equal(r.code, 2);
    assert.match(oneSentence(r.stderr), /no password was given/);
  });
});

describe('users file validation (exit 2, names the entry and the field)', () => {
  const cases: readonly { name: string; content: string; expect: RegExp }[] = [
    { name: 'bad JSON', content: '[{"username": "a", "ip": "127.0.0.1", "port": 1,}]', expect: /is not valid JSON at line 1, column \d+/ },
    { name: 'not an array', content: '{"username": "a"}', expect: /must hold a JSON array of users/ },
    { name: 'an entry that is not an object', content: '[1]', expect: /entry 1 must be an object/ },
    { name: 'a missing username', content: '[{"ip": "127.0.0.1", "port": 5001}]', expect: /entry 1: "username" is missing/ },
    { name: 'a port of the wrong type', content: '[{"username": "a", "ip": "127.0.0.1", "port": "5001"}]', expect: /entry 1 \("a"\): "port" must be a number, not a string/ },
    { name: 'a port out of range', content: '[{"username": "a", "ip": "127.0.0.1", "port": 70000}]', expect: /entry 1 \("a"\): "port" must be an integer from 1 to 65535, not 70000/ },
    { name: 'an invalid ip', content: '[{"username": "a", "ip": "999.1.1.1", "port": 5001}]', expect: /entry 1 \("a"\): "ip" is not an IPv4 address/ },
    { name: 'an invalid username', content: '[{"username": "../x", "ip": "127.0.0.1", "port": 5001}]', expect: /entry 1 \("\.\.\/x"\): "username"/ },
    {
      name: 'a duplicate username',
      content: '[{"username": "a", "ip": "127.0.0.1", "port": 5001}, {"username": "a", "ip": "127.0.0.1", "port": 5002}]',
      expect: /entry 2 \("a"\): the username "a" is already used by entry 1/,
    },
    {
      name: 'a duplicate address',
      content: '[{"username": "a", "ip": "127.0.0.1", "port": 5001}, {"username": "b", "ip": "127.0.0.1", "port": 5001}]',
      expect: /entry 2 \("b"\): the address 127\.0\.0\.1:5001 is already used by entry 1/,
    },
    { name: 'a bad fingerprint', content: '[{"username": "a", "ip": "127.0.0.1", "port": 5001, "fingerprint": "xyz"}]', expect: /entry 1 \("a"\): "fingerprint" must be 64 hexadecimal digits/ },
    { name: 'an empty password', content: '[{"username": "a", "password": "", "ip": "127.0.0.1", "port": 5001}]', expect: /entry 1 \("a"\): "password" is empty/ },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const dir = await tempDir();
      const path = join(dir, 'users.json');
      await writeFile(path, c.content);
      for (const args of [['users'], ['send', '--to', 'a', '--as', 'z', '--message', 'x'], ['listen', '--as', 'a']]) {
        const r = await run([...args, '--users', path], { home: join(dir, 'home'), input: 'pw\n' });
        assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
        assert.match(r.stderr, c.expect);
        assert.match(r.stderr, new RegExp(path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')));
        assert.doesNotMatch(r.stderr, /\n\s+at /);
      }
    });
  }

  it('a valid file with plaintext passwords: listed, with a warning naming the fix', async () => {
    const dir = await tempDir();
    const path = await writeUsers(dir, [{ username: 'alice', password: 'secret-a', port: 5001 }, { username: 'bob', port: 5002 }]);
    const r = await run(['users', '--users', path], { home: join(dir, 'home') });
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^alice {2}127\.0\.0\.1:5001 {2}\(plaintext password\)$/m);
    assert.match(r.stderr, /warning: .*plaintext passwords \(alice\).*securechat users --strip-passwords/);
    assert.doesNotMatch(r.stdout + r.stderr, /secret-a/);
  });

  it('users add and remove keep the file valid', async () => {
    const dir = await tempDir();
    const path = await writeUsers(dir, [{ username: 'alice', port: 5001 }]);
    const home = join(dir, 'home');
    assert.equal((await run(['users', 'add', 'bob', '--ip', '127.0.0.1', '--port', '5002', '--users', path], { home })).code, 0);
    const dup = await run(['users', 'add', 'carol', '--ip', '127.0.0.1', '--port', '5002', '--users', path], { home });
    assert.equal(dup.code, 2);
    assert.match(dup.stderr, /already used by entry 2/);
    assert.equal((await run(['users', 'remove', 'alice', '--users', path], { home })).code, 0);
    const r = await run(['users', '--json', '--users', path], { home });
    assert.deepEqual(jsonLines(r.stdout).filter((e) => e['event'] === 'user').map((e) => e['username']), ['bob']);
  });
});

describe('init', () => {
  it('registers from piped input, creates private files, refuses a second init', async () => {
    const dir = await tempDir();
    const home = join(dir, 'home');
    const r = await run(['init', '--user', 'alice', '--json'], { home, input: 'correct horse\n' });
    assert.equal(r.code, 0, r.stderr);
    const ev = jsonLines(r.stdout).find((e) => e['event'] === 'initialised');
    assert.equal(ev?.['user'], 'alice');
    assert.match(String(ev?.['fingerprint']), /^[0-9a-f]{64}$/);
    assert.doesNotMatch(r.stdout + r.stderr, /correct horse/);
    const st = await stat(join(home, 'users', 'alice', 'account.json'));
    assert.equal(st.mode & 0o777, 0o600);
    const again = await run(['init', '--user', 'alice'], { home, input: 'x\n' });
    assert.equal(again.code, 2);
    assert.match(again.stderr, /already registered.*--replace/);
  });

  it('--password-file is read; an empty file is refused', async () => {
    const dir = await tempDir();
    const home = join(dir, 'home');
    const pf = join(dir, 'pw.txt');
    await writeFile(pf, 'from-a-file\n');
    assert.equal((await run(['init', '--user', 'bob', '--password-file', pf], { home })).code, 0);
    await writeFile(pf, '');
    const r = await run(['init', '--user', 'carol', '--password-file', pf], { home });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /password file .* is empty/);
  });

  it('an invalid username is a usage error', async () => {
    const dir = await tempDir();
    const r = await run(['init', '--user', '-x'], { home: dir, input: 'pw\n' });
    assert.equal(r.code, 2);
  });
});
