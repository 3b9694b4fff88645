/**
 * The defaults of {@link createCache}: one frozen object that the cache reads and the README's
 * "Defaults" table is checked against (`test/docs.test.ts`).
 *
 * @module
 */
import type { L1Protection } from './l1.js';

const MIB = 1024 * 1024;

/**
 * Every default of `createCache` options, by dotted option path. Defaults that follow another
 * option are given for that option at its own default (`l1.maxEntryBytes` is
 * `min(1 MiB, l1.maxBytes)`; see {@link l1MaxEntryBytes}).
 */
export const CACHE_DEFAULTS = Object.freeze({
  /** @default 'cache' */
  prefix: 'cache',
  /** @default '1h' */
  ttl: '1h',
  /** @default 1000 */
  'l1.maxEntries': 1000,
  /** @default 64 MiB */
  'l1.maxBytes': 64 * MIB,
  /** @default 1 MiB (or `l1.maxBytes` when smaller) */
  'l1.maxEntryBytes': MIB,
  /** @default 'freeze' */
  'l1.protection': 'freeze' as L1Protection,
  /** @default '5s' */
  'l1.maxStaleness': '5s',
  /** @default 'lz4' */
  'compression.codec': 'lz4',
  /** @default 1024 */
  'compression.threshold': 1024,
  /** @default 'xxh64' */
  hashAlgorithm: 'xxh64',
  /** @default 250 */
  maxKeyLength: 250,
  /** @default 1000 */
  retryPrimaryAfterMs: 1000,
  /** @default false */
  failOnConnectionError: false,
  /** @default true */
  fallbackWarning: true,
  /** @default '30d' */
  tagStampTtl: '30d',
  /** @default 1000 */
  budget: 1000,
  /** @default 1000 */
  'errorEvents.intervalMs': 1000,
});

/** `l1.maxEntryBytes` when not set: 1 MiB, or `maxBytes` when that is smaller (so it never exceeds it). */
export function l1MaxEntryBytes(maxBytes: number): number {
  return Math.min(CACHE_DEFAULTS['l1.maxEntryBytes'], maxBytes);
}
