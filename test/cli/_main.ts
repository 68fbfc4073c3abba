#!/usr/bin/env node
/**
 * The test-only `securechat` entry point: the same program as dist/src/cli/main.js with cheap
 * key stretching (KSF_TEST, like age's lowered scrypt cost in its tests), so end-to-end tests
 * do not spend 64 MiB x 3 passes of Argon2id per login. Never shipped (package.json `files`
 * holds dist/src only); the product reads no test switch.
 */
import { KSF_TEST } from '../../src/crypto/opaque.js';
import { main } from '../../src/cli/run.js';

void main(process.argv.slice(2), { ksf: KSF_TEST });
