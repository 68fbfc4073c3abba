#!/usr/bin/env node
/** The shipped `securechat` command: the product's parameters, nothing read from a test switch. */
import { KSF_DEFAULT } from '../crypto/ksf.js';
import { main } from './run.js';

void main(process.argv.slice(2), { ksf: KSF_DEFAULT });
