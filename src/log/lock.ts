/** The log's one-writer lock is the home's file lock (src/fs/lock.ts), also used by the agent. */
export { acquireLock, type LogLock } from '../fs/lock.js';
