/** The record suites we offer and allow, most preferred first (docs/PROTOCOL.md §6.1). */
import { DEFAULT_SUITE_IDS, type SuiteId } from '../crypto/aead.js';

export const DEFAULT_SUITES: readonly SuiteId[] = DEFAULT_SUITE_IDS;
