/**
 * The one place that talks to ioredis: connections, the circuit breaker, command deadlines and
 * the shared subscriber.
 *
 * @module
 */
export type { BreakerOptions } from './breaker.js';
export { CircuitBreaker } from './breaker.js';
export type { RedisConnectionOptions, RedisRunOptions } from './connection.js';
export { RedisConnection } from './connection.js';
export type { ChannelListener, Subscription } from './subscriber.js';
