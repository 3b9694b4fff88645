/**
 * L1 coherence of a cache: the start of its invalidation bus on first use (the bus it sets
 * up by itself when none is given is `defaultBus`, in `src/bus/default.ts`), and the L1
 * lifetime cap that bounds staleness whenever no live bus vouches for L1.
 *
 * @module
 */
import type { CacheBackend } from '../backends/types.js';
import type { InvalidationBus } from '../bus/types.js';
import type { L1Tier } from './l1.js';

/** What the coherence helpers read of a cache's shared state. */
interface CoherenceState {
  readonly l1: L1Tier | undefined;
  readonly backend: CacheBackend | undefined;
  readonly bus: InvalidationBus | undefined;
  readonly maxStalenessMs: number;
  busStarted: boolean;
  closed: boolean;
}

/**
 * Starts the bus in the background the first time the cache is used (once; `connect()` also
 * starts and awaits it). Only a cache with an L1 needs to receive: without one, it publishes
 * and never subscribes. A failed start goes to `report`; the bus keeps subscribing by itself
 * when its connection comes back, and L1 lifetimes stay capped meanwhile.
 */
export function startBusOnFirstUse(state: CoherenceState, report: (error: unknown) => void): void {
  if (state.busStarted || state.closed) return;
  state.busStarted = true;
  const bus = state.bus;
  if (!bus?.start || !state.l1) return;
  bus.start().catch((error: unknown) => {
    if (!state.closed) report(error);
  });
}

/**
 * Until when (cache clock) an L1 entry written or promoted at `t` may live: `t +
 * l1.maxStaleness` over a backend without a bus, or while the bus is not (yet) connected;
 * unbounded (the entry's own lifetime) with a live bus or without a backend.
 */
export function l1Until(state: CoherenceState, t: number): number {
  if (state.bus ? !state.bus.connected : state.backend !== undefined) return t + state.maxStalenessMs;
  return Number.POSITIVE_INFINITY;
}
