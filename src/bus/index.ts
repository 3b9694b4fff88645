/**
 * The L1 invalidation bus: with several processes sharing one Redis, each with its own L1, a
 * write, delete, clear or tag invalidation in one process drops the stale L1 copies in every
 * other process. The bus carries keys (never values) over Redis pub/sub
 * ({@link RedisInvalidationBus}), or in process between several caches
 * ({@link LocalInvalidationBus}, also handy in tests).
 *
 * @module
 */
export {
  createLocalBusHub,
  type LocalBusHub,
  LocalInvalidationBus,
  type LocalInvalidationBusOptions,
} from './local-bus.js';
export { RedisInvalidationBus, type RedisInvalidationBusOptions } from './redis-bus.js';
export type {
  BusStatusListener,
  InvalidationBus,
  InvalidationHandler,
  InvalidationMessage,
} from './types.js';
