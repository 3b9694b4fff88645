/**
 * Invalidations between processes: what a cache announces on its bus after a write, delete,
 * clear or tag invalidation, and how it applies what other processes announce to its L1 and
 * its tag stamps.
 *
 * @module
 */
import type { InvalidationBus, InvalidationMessage } from '../bus/types.js';
import type { Core } from './core.js';
import { isDisabled } from './disabling.js';

/** Applies invalidations from other processes to this process's L1 and tag stamps. */
export function applyInvalidation(core: Core, message: InvalidationMessage): void {
  // Any read from L2 that was in flight when this arrived may carry the value it invalidates:
  // such reads do not promote into L1 (see lookupFull in reads.ts).
  core.invalidations++;
  if (message.type === 'delete') {
    for (const key of message.keys) core.l1?.delete(key);
  } else if (message.type === 'clear') {
    core.l1?.clear(message.prefix);
  } else {
    for (const tag of message.tags) core.tagStamps.raise(tag, message.at);
  }
}

/**
 * Subscribes `core` to `bus`: messages are applied as they arrive; when the bus reconnects, L1
 * entries of the cache's prefix are dropped (messages may have been missed), and while it is
 * down L1 lifetimes are capped to `l1.maxStaleness`.
 */
export function attachBus(core: Core, bus: InvalidationBus): void {
  bus.subscribe((message) => applyInvalidation(core, message));
  bus.onStatus((connected) => {
    if (!core.l1) return;
    if (connected) {
      // Messages may have been missed while the bus was down: drop what we cannot vouch for.
      core.l1.clear(`${core.prefix}:`);
    } else {
      core.l1.capLifetime(core.now() + core.maxStalenessMs);
    }
  });
}

/** Tells the other processes (through the bus, when there is one) what changed. */
export function announce(core: Core, message: InvalidationMessage): void {
  const bus = core.bus;
  if (bus && !isDisabled('set')) void bus.publish(message);
}
