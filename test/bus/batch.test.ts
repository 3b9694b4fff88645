import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PublishBatcher } from '../../src/bus/batch.js';
import { MAX_KEYS_PER_MESSAGE } from '../../src/bus/messages.js';
import type { InvalidationMessage } from '../../src/bus/types.js';

describe('PublishBatcher', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function recordingBatcher(windowMs: number) {
    const sent: InvalidationMessage[][] = [];
    const batcher = new PublishBatcher(windowMs, async (messages) => {
      sent.push(messages);
    });
    return { batcher, sent };
  }

  it('sends nothing before the window ends, then one merged set of messages', async () => {
    const { batcher, sent } = recordingBatcher(20);
    let settled = false;
    const first = batcher.add({ type: 'delete', keys: ['a', 'b'] });
    void first.then(() => {
      settled = true;
    });
    const second = batcher.add({ type: 'delete', keys: ['b', 'c'] });
    void batcher.add({ type: 'clear', prefix: 'ns:' });
    void batcher.add({ type: 'clear', prefix: 'ns:' });
    void batcher.add({ type: 'tags', tags: ['t1'], at: 5 });
    void batcher.add({ type: 'tags', tags: ['t2', 't1'], at: 5 });
    void batcher.add({ type: 'tags', tags: ['t3'], at: 7 });
    expect(batcher.pending).toBe(true);
    await vi.advanceTimersByTimeAsync(19);
    expect(sent).toEqual([]);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await Promise.all([first, second]);
    expect(sent).toEqual([
      [
        { type: 'clear', prefix: 'ns:' },
        { type: 'tags', tags: ['t1', 't2'], at: 5 },
        { type: 'tags', tags: ['t3'], at: 7 },
        { type: 'delete', keys: ['a', 'b', 'c'] },
      ],
    ]);
    expect(batcher.pending).toBe(false);
  });

  it('opens a new window for messages after a send', async () => {
    const { batcher, sent } = recordingBatcher(10);
    const a = batcher.add({ type: 'delete', keys: ['a'] });
    await vi.advanceTimersByTimeAsync(10);
    await a;
    const b = batcher.add({ type: 'delete', keys: ['b'] });
    await vi.advanceTimersByTimeAsync(10);
    await b;
    expect(sent).toEqual([[{ type: 'delete', keys: ['a'] }], [{ type: 'delete', keys: ['b'] }]]);
  });

  it('sends at once when the deletes fill a message', async () => {
    const { batcher, sent } = recordingBatcher(60_000);
    const keys = Array.from({ length: MAX_KEYS_PER_MESSAGE }, (_, i) => `k${i}`);
    await batcher.add({ type: 'delete', keys });
    expect(sent).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('flush() sends what is pending now, clears the timer, and is a no-op when empty', async () => {
    const { batcher, sent } = recordingBatcher(60_000);
    await batcher.flush();
    expect(sent).toEqual([]);
    const pending = batcher.add({ type: 'clear', prefix: '' });
    expect(vi.getTimerCount()).toBe(1);
    await batcher.flush();
    await pending;
    expect(sent).toEqual([[{ type: 'clear', prefix: '' }]]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
