#!/usr/bin/env node
/**
 * The shipped `securechat` command: the product's parameters, nothing read from a test switch.
 *
 * `send` (not `--legacy`) runs from one bundled file (src/cli/send-fast.ts, bundled by
 * `npm run build` into send-fast.bundle.js): a cold send that only asks the agent then loads
 * two modules instead of ~35. Without the bundle (a build by `tsc` alone) the same code runs
 * from the unbundled modules. Every other command loads src/cli/run.ts.
 */
import module from 'node:module';
import type * as SendFastModule from './send-fast.js';

// Node >= 22.1 keeps compiled code between runs (the OS temp directory); Node 20 has no such
// cache (the bundle is the lever there), so the call is made only where it exists.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

const argv = process.argv.slice(2);

/** The bundle's file name, held in a variable: it exists only after scripts/build-cli.mjs. */
const SEND_BUNDLE = './send-fast.bundle.js';

type SendFast = typeof SendFastModule;

async function sendFast(): Promise<SendFast> {
  try {
    return (await import(SEND_BUNDLE)) as SendFast;
  } catch (e) {
    if ((e as { code?: unknown }).code !== 'ERR_MODULE_NOT_FOUND') throw e;
    return import('./send-fast.js');
  }
}

if (argv[0] === 'send' && !argv.includes('--legacy')) {
  void (await sendFast()).sendMain(argv.slice(1));
} else {
  const [{ main }, { KSF_DEFAULT }] = await Promise.all([import('./run.js'), import('../crypto/ksf.js')]);
  void main(argv, { ksf: KSF_DEFAULT });
}
