/**
 * The coalescing window of the Redis bus: publishes within `windowMs` are sent together when
 * it ends, `delete` keys merged (deduplicated) into one message, `clear` prefixes deduplicated
 * and `tags` merged per invalidation time.
 *
 * @module
 */
import { noop } from '../redis/target.js';
import { MAX_KEYS_PER_MESSAGE } from './messages.js';
import type { InvalidationMessage } from './types.js';

/** Publishes waiting for the end of the coalescing window. */
interface Batch {
  readonly deletes: Set<string>;
  readonly clears: Set<string>;
  /** Tags per invalidation time. */
  readonly tags: Map<number, Set<string>>;
  readonly timer: NodeJS.Timeout;
  readonly done: Promise<void>;
  readonly resolve: () => void;
}

/**
 * Collects messages for `windowMs`, then hands the merged messages to `send` (once per
 * window). A batch holding {@link MAX_KEYS_PER_MESSAGE} `delete` keys is sent at once.
 */
export class PublishBatcher {
  readonly #windowMs: number;
  readonly #send: (messages: InvalidationMessage[]) => Promise<void>;
  #batch: Batch | undefined;

  /**
   * @param windowMs length of the window, in milliseconds (> 0).
   * @param send sends the merged messages; must not reject.
   */
  constructor(windowMs: number, send: (messages: InvalidationMessage[]) => Promise<void>) {
    this.#windowMs = windowMs;
    this.#send = send;
  }

  /** Whether messages are waiting for the end of the window. */
  get pending(): boolean {
    return this.#batch !== undefined;
  }

  /**
   * Adds `message` (a valid, normalized one) to the current batch, opening one (and its
   * window) if none is open; resolves when that batch has been sent.
   */
  add(message: InvalidationMessage): Promise<void> {
    let batch = this.#batch;
    if (!batch) {
      let resolve = noop;
      const done = new Promise<void>((r) => {
        resolve = r;
      });
      const timer = setTimeout(() => void this.flush(), this.#windowMs);
      batch = { deletes: new Set(), clears: new Set(), tags: new Map(), timer, done, resolve };
      this.#batch = batch;
    }
    switch (message.type) {
      case 'delete':
        for (const key of message.keys) batch.deletes.add(key);
        break;
      case 'clear':
        batch.clears.add(message.prefix);
        break;
      case 'tags': {
        let tags = batch.tags.get(message.at);
        if (!tags) {
          tags = new Set();
          batch.tags.set(message.at, tags);
        }
        for (const tag of message.tags) tags.add(tag);
        break;
      }
    }
    const { done } = batch;
    // A full delete message needs no more waiting.
    if (batch.deletes.size >= MAX_KEYS_PER_MESSAGE) void this.flush();
    return done;
  }

  /**
   * Sends the current batch now, if any: `clear`s first, then `tags` (one message per
   * invalidation time), then one `delete` with every key. Never rejects.
   */
  async flush(): Promise<void> {
    const batch = this.#batch;
    if (!batch) return;
    this.#batch = undefined;
    clearTimeout(batch.timer);
    const messages: InvalidationMessage[] = [];
    for (const prefix of batch.clears) messages.push({ type: 'clear', prefix });
    for (const [at, tags] of batch.tags) messages.push({ type: 'tags', tags: [...tags], at });
    if (batch.deletes.size > 0) messages.push({ type: 'delete', keys: [...batch.deletes] });
    await this.#send(messages);
    batch.resolve();
  }
}
