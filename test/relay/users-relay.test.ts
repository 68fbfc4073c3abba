/** The optional "relay" field of a users-file entry and the `--relay HOST:PORT` option. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSecureChatError } from '../../src/errors.js';
import { checkUsers, parseRelayAddress, validateUsers } from '../../src/identity/users-file.js';
import { parseCommand } from '../../src/cli/args.js';

const S = 'users file u.json';
const entry = (over: Record<string, unknown> = {}): Record<string, unknown> => ({ username: 'alice', ip: '127.0.0.1', port: 5001, ...over });

test('the original format stays valid; "relay" is optional and parsed when present', () => {
  const original = validateUsers([{ username: 'alice', password: 'pw', ip: '127.0.0.1', port: 5001 }], S);
  assert.equal(original.users[0]?.relay, undefined);
  const r = validateUsers([entry({ relay: 'relay.example.org:7400' }), entry({ username: 'bob', port: 5002, relay: '[::1]:7400' }), entry({ username: 'carol', port: 5003, relay: '10.0.0.1:1' })], S);
  assert.deepEqual(
    r.users.map((u) => u.relay),
    [
      { host: 'relay.example.org', port: 7400 },
      { host: '::1', port: 7400 },
      { host: '10.0.0.1', port: 1 },
    ],
  );
});

test('a bad "relay" is a problem naming the entry and the field', () => {
  const cases: [unknown, string][] = [
    ['relay.example.org', `${S}: entry 1 ("alice"): "relay" must be HOST:PORT or [IPV6]:PORT, not "relay.example.org"`],
    ['10.0.0.1:0', `${S}: entry 1 ("alice"): "relay" must have a port from 1 to 65535, not 0`],
    ['10.0.0.1:70000', `${S}: entry 1 ("alice"): "relay" must have a port from 1 to 65535, not 70000`],
    ['999.1.1.1:80', `${S}: entry 1 ("alice"): "relay" has a host that is not an IPv4 address, IPv6 address or host name ("999.1.1.1")`],
    [7400, `${S}: entry 1 ("alice"): "relay" must be a string, not a number`],
  ];
  for (const [relay, want] of cases) assert.deepEqual(checkUsers([entry({ relay })], S).problems, [want], String(relay));
});

test('--relay HOST:PORT: parsed into the common options; a bad one is USAGE', () => {
  const p = parseCommand('send', ['--relay', '127.0.0.1:7400'], {}, 0);
  assert.deepEqual(p.common.relay, { host: '127.0.0.1', port: 7400 });
  assert.equal(parseCommand('send', [], {}, 0).common.relay, undefined);
  assert.throws(
    () => parseCommand('send', ['--relay', 'nowhere'], {}, 0),
    (e: unknown) => isSecureChatError(e) && e.code === 'USAGE' && /--relay must be HOST:PORT/.test(e.detail),
  );
  assert.equal(typeof parseRelayAddress('[fe80::1]:7400'), 'object');
});
