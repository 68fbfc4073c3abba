#!/usr/bin/env node
/**
 * The test entry (test/cli/_main.ts) that first appends one line to the file named by its first
 * argument: a test counts with it how many agent processes the clients started.
 */
import { appendFileSync } from 'node:fs';
import { KSF_TEST } from '../../src/crypto/opaque.js';
import { main } from '../../src/cli/run.js';

const [counter, ...args] = process.argv.slice(2);
if (counter !== undefined) appendFileSync(counter, `${process.pid}\n`);
void main(args, { ksf: KSF_TEST });
