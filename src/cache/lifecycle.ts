/**
 * A cache's life: its shared state built and wired, connecting the backend and starting the
 * bus, callbacks registered, the counters it reports, and closing what it owns.
 *
 * @module
 */
import { type Core, createCore } from './core.js';
import { deliverError } from './dispatch.js';
import type { CacheCallbacks } from './events.js';
import { attachHealth, backendFailed, breakerOpen, markRecovered } from './failover.js';
import { attachBus } from './invalidation.js';
import { keyBuilder, reportFor, type Scope } from './scope.js';
import type { CacheOptions, CacheStats } from './types.js';

/**
 * Validates `options` and builds the shared state of a new cache, wired to error delivery, its
 * invalidation bus and its backend's health.
 */
export function openCore(options: CacheOptions): { core: Core; namespaces: string[] } {
  return createCore(options, { deliverError, attachBus, attachHealth });
}

/** Registers `callbacks` (called in registration order); returns a function that removes them. */
export function addCallbacks(core: Core, callbacks: CacheCallbacks): () => void {
  const all = core.callbacks;
  all.push(callbacks);
  return () => {
    const i = all.indexOf(callbacks);
    if (i >= 0) all.splice(i, 1);
  };
}

/**
 * Loads the hash function, starts the bus (waiting until it is live) and connects the backend;
 * a backend that cannot be reached degrades the cache, or throws with `failOnConnectionError`.
 */
export async function connect(s: Scope): Promise<void> {
  await keyBuilder(s);
  const core = s.core;
  const bus = core.bus;
  if (bus?.start) {
    // A bus that cannot subscribe yet keeps trying by itself; L1 staleness stays capped meanwhile.
    await bus.start().catch((error: unknown) => reportFor(s, 'connect', '', error, { reason: 'bus' }));
  }
  const backend = core.backend;
  if (!backend?.connect) return;
  try {
    await backend.connect();
    if (core.degraded) markRecovered(core, 'backend-ok');
  } catch (error) {
    if (core.failOnConnectionError) throw error;
    backendFailed(s, 'connect', '', error);
  }
}

/** The counters of the cache (shared by all its namespaces), its L1's size and its health. */
export function statsOf(s: Scope): CacheStats {
  const core = s.core;
  const c = core.counters;
  const health = core.backend?.health;
  const reads = c.hits + c.misses;
  return {
    hits: c.hits,
    misses: c.misses,
    hitRatio: reads === 0 ? 0 : c.hits / reads,
    sets: c.sets,
    deletes: c.deletes,
    errors: c.errors,
    l1: {
      hits: c.l1Hits,
      misses: c.l1Misses,
      entries: core.l1?.size ?? 0,
      bytes: core.l1?.bytes ?? 0,
      enabled: core.l1 !== undefined,
    },
    l2: { hits: c.l2Hits, misses: c.l2Misses, backend: core.backend?.name },
    degraded: core.degraded,
    breaker: health ? { state: health.state, opened: health.opened } : undefined,
  };
}

/** Whether the backend is failing right now (degraded, or its breaker is open). */
export function isDegraded(s: Scope): boolean {
  return s.core.degraded || breakerOpen(s.core);
}

/**
 * Closes (once) what the cache owns, in parallel and each object once; stops following the
 * backend's health and flushes pending error summaries. Never throws: a failing close is an
 * `error` event with op `'close'`.
 */
export async function close(s: Scope): Promise<void> {
  const core = s.core;
  if (core.closed) return;
  core.closed = true;
  core.unsubscribeHealth?.();
  core.unsubscribeHealth = undefined;
  core.errors.close();
  const owned = new Set<{ close(): Promise<void> }>();
  if (core.bus && core.owns.bus) owned.add(core.bus);
  if (core.lock && core.owns.lock) owned.add(core.lock);
  if (core.backend && core.owns.backend) owned.add(core.backend);
  if (core.fallback && core.owns.fallback) owned.add(core.fallback);
  await Promise.all(
    [...owned].map(async (component) => {
      try {
        await component.close();
      } catch (error) {
        reportFor(s, 'close', '', error);
      }
    }),
  );
}
