/**
 * Stampede protection: in-process single-flight and the distributed Redis lock.
 *
 * @module
 */
export { RedisLock, type RedisLockOptions } from './redis-lock.js';
export { type Flight, SingleFlight } from './single-flight.js';
export type { DistributedLock, LockHandle, WaitOutcome } from './types.js';
