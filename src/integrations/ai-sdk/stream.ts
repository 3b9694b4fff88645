/**
 * Between the SDK's `ReadableStream`s of parts and the call path's async iterables of stored
 * parts: recording (with each part's offset, for paced replays) and replaying.
 *
 * @module
 */

import type { StoredPart } from './codec.js';
import { toJson } from './json.js';
import type { ReplayPacing } from './types.js';

/**
 * Reads a model's stream as stored parts (JSON copies, with their offsets); `originals` receives
 * the parts as the model sent them (for the caller whose model call it is). Stopping the
 * iteration cancels the model's stream.
 */
export async function* recordParts(
  stream: ReadableStream<unknown>,
  originals: unknown[],
  now: () => number = Date.now,
): AsyncGenerator<StoredPart> {
  const reader = stream.getReader();
  const started = now();
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        finished = true;
        return;
      }
      originals.push(value);
      yield { part: (toJson(value) ?? {}) as StoredPart['part'], at: now() - started };
    }
  } finally {
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

/** Waits `ms` milliseconds. */
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The SDK-facing stream of a call: `source`'s parts mapped by `map` (index, stored part) and,
 * when `pacing` asks for it, spaced as recorded. Cancelling it stops `source`.
 */
export function toPartStream<P>(
  source: AsyncIterable<StoredPart>,
  map: (part: StoredPart, index: number) => P,
  pacing: ReplayPacing = 'none',
  wait: (ms: number) => Promise<void> = sleep,
): ReadableStream<P> {
  const iterator = source[Symbol.asyncIterator]();
  const maxDelay = pacing === 'none' ? 0 : pacing === 'recorded' ? 60_000 : Math.max(0, pacing.maxDelayMs);
  let index = 0;
  let previous = 0;
  return new ReadableStream<P>({
    async pull(controller) {
      try {
        const next = await iterator.next();
        if (next.done) {
          controller.close();
          return;
        }
        const at = next.value.at;
        if (maxDelay > 0 && at !== undefined) {
          const delay = Math.min(maxDelay, at - previous);
          previous = at;
          if (delay > 0) await wait(delay);
        }
        controller.enqueue(map(next.value, index++));
      } catch (error) {
        controller.error(error);
      }
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}
