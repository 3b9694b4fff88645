/**
 * `cacheStatus(result)` is the core's (one record of statuses for every integration).
 *
 * @module
 */
export { cacheStatus, markStatus } from '../../index.js';
