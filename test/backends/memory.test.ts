import { describe, expect, it } from 'vitest';
import { MemoryBackend } from '../../src/backends/memory.js';
import { InfrastructureError, ValidationError } from '../../src/errors.js';
import { backendConformance } from '../../src/testing/index.js';
import { fakeClock } from '../helpers/clock.js';

backendConformance('MemoryBackend', () => new MemoryBackend());
backendConformance(
  'MemoryBackend (injected Date.now clock)',
  () => new MemoryBackend({ now: () => Date.now() }),
);

const bytes = (n: number, fill = 1) => new Uint8Array(n).fill(fill);

async function keysOf(backend: MemoryBackend, prefix?: string): Promise<string[]> {
  const out: string[] = [];
  for await (const key of backend.keys(prefix)) out.push(key);
  return out.sort();
}

describe('MemoryBackend limits', () => {
  it('evicts the least recently used entry beyond maxEntries', async () => {
    const backend = new MemoryBackend({ maxEntries: 3 });
    await backend.set('a', bytes(1), 60_000);
    await backend.set('b', bytes(1), 60_000);
    await backend.set('c', bytes(1), 60_000);
    await backend.get('a'); // a is now more recent than b
    await backend.set('d', bytes(1), 60_000);
    expect(await keysOf(backend)).toEqual(['a', 'c', 'd']);
    expect(backend.size).toBe(3);
  });

  it('has() and keys() do not refresh recency', async () => {
    const backend = new MemoryBackend({ maxEntries: 2 });
    await backend.set('a', bytes(1), 60_000);
    await backend.set('b', bytes(1), 60_000);
    expect(await backend.has('a')).toBe(true);
    await keysOf(backend);
    await backend.set('c', bytes(1), 60_000);
    expect(await keysOf(backend)).toEqual(['b', 'c']);
  });

  it('evicts by total bytes (value byteLength + key length) and tracks bytes', async () => {
    const backend = new MemoryBackend({ maxBytes: 100 });
    await backend.set('k1', bytes(38), 60_000); // 40
    await backend.set('k2', bytes(38), 60_000); // 40
    expect(backend.bytes).toBe(80);
    await backend.set('k3', bytes(38), 60_000); // 40 -> k1 evicted
    expect(await keysOf(backend)).toEqual(['k2', 'k3']);
    expect(backend.bytes).toBe(80);
    await backend.delete('k2');
    expect(backend.bytes).toBe(40);
    await backend.set('k3', bytes(8), 60_000); // overwrite shrinks
    expect(backend.bytes).toBe(10);
    await backend.clear();
    expect(backend.bytes).toBe(0);
    expect(backend.size).toBe(0);
  });

  it('does not admit an entry larger than maxBytes', async () => {
    const backend = new MemoryBackend({ maxBytes: 100 });
    await backend.set('small', bytes(10), 60_000);
    await backend.set('huge', bytes(200), 60_000);
    expect(await backend.get('huge')).toBeUndefined();
    expect(await backend.has('small')).toBe(true);
  });

  it('maxEntryBytes: drops a larger entry and the previous value of its key', async () => {
    const backend = new MemoryBackend({ maxEntryBytes: 20 });
    await backend.set('k', bytes(10), 60_000); // 11 bytes: admitted
    expect(await backend.get('k')).toEqual(bytes(10));
    await backend.set('k', bytes(19), 60_000); // 20 bytes: still admitted (limit inclusive)
    expect((await backend.get('k'))?.byteLength).toBe(19);
    await backend.set('k', bytes(20), 60_000); // 21 bytes: dropped, old value removed
    expect(await backend.get('k')).toBeUndefined();
    expect(backend.size).toBe(0);
    expect(backend.bytes).toBe(0);
    await backend.setMany([
      { key: 'x', value: bytes(5), ttlMs: 60_000 },
      { key: 'y', value: bytes(50), ttlMs: 60_000 },
    ]);
    expect(await keysOf(backend)).toEqual(['x']);
  });

  it('stores the Uint8Array as given (no copy)', async () => {
    const backend = new MemoryBackend();
    const value = bytes(4);
    await backend.set('k', value, 60_000);
    expect(await backend.get('k')).toBe(value);
  });

  it('rejects invalid options, listing every problem', () => {
    let error: unknown;
    try {
      new MemoryBackend({ maxEntries: 0, maxBytes: 1.5, maxEntryBytes: -1 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => i.path)).toEqual([
      'maxEntries',
      'maxBytes',
      'maxEntryBytes',
    ]);
  });

  it('rejects a non-positive or non-finite TTL and a non-Uint8Array value', async () => {
    const backend = new MemoryBackend();
    await expect(backend.set('k', bytes(1), 0)).rejects.toBeInstanceOf(ValidationError);
    await expect(backend.set('k', bytes(1), -5)).rejects.toBeInstanceOf(ValidationError);
    await expect(backend.set('k', bytes(1), Number.POSITIVE_INFINITY)).rejects.toBeInstanceOf(
      ValidationError,
    );
    await expect(backend.set('k', 'text' as unknown as Uint8Array, 10)).rejects.toBeInstanceOf(
      ValidationError,
    );
    await expect(
      backend.setMany([
        { key: 'a', value: bytes(1), ttlMs: 10 },
        { key: 'b', value: bytes(1), ttlMs: Number.NaN },
      ]),
    ).rejects.toBeInstanceOf(ValidationError);
    expect(backend.size).toBe(0);
  });

  it('rejects operations after close()', async () => {
    const backend = new MemoryBackend();
    await backend.set('k', bytes(1), 60_000);
    await backend.close();
    expect(backend.size).toBe(0);
    await expect(backend.get('k')).rejects.toBeInstanceOf(InfrastructureError);
    await expect(backend.set('k', bytes(1), 10)).rejects.toBeInstanceOf(InfrastructureError);
  });
});

describe('MemoryBackend expiry with a fake clock', () => {
  it('expires exactly at expiresAt on the injected clock', async () => {
    const clock = fakeClock();
    const backend = new MemoryBackend({ now: clock.now });
    await backend.set('k', bytes(1), 1000);
    clock.advance(999);
    expect(await backend.has('k')).toBe(true);
    expect(await backend.get('k')).toEqual(bytes(1));
    clock.advance(1);
    expect(await backend.get('k')).toBeUndefined();
    expect(await backend.has('k')).toBe(false);
    expect(await backend.delete('k')).toBe(false);
  });

  it('works with a clock starting at 0', async () => {
    const clock = fakeClock(0);
    const backend = new MemoryBackend({ now: clock.now });
    await backend.set('k', bytes(1), 10);
    expect(await backend.has('k')).toBe(true);
    clock.advance(10);
    expect(await backend.has('k')).toBe(false);
  });

  it('does not expire early when the fake clock jumps between writes', async () => {
    const clock = fakeClock();
    const backend = new MemoryBackend({ now: clock.now });
    await backend.set('a', bytes(1), 100);
    clock.advance(10_000);
    await backend.set('b', bytes(1), 100);
    clock.advance(50);
    expect(await backend.has('b')).toBe(true);
    expect(await backend.get('b')).toEqual(bytes(1));
  });

  it('keys(), getMany() and has() skip expired entries; purgeExpired() reclaims them', async () => {
    const clock = fakeClock();
    const backend = new MemoryBackend({ now: clock.now });
    await backend.set('p:short', bytes(1), 100);
    await backend.set('p:long', bytes(2), 10_000);
    await backend.set('q:short', bytes(3), 100);
    clock.advance(100);
    expect(await keysOf(backend, 'p:')).toEqual(['p:long']);
    expect(await backend.getMany(['p:short', 'p:long'])).toEqual([undefined, bytes(2)]);
    expect(backend.size).toBe(2); // q:short expired but not reclaimed yet (lazy)
    expect(backend.purgeExpired()).toBe(1);
    expect(backend.size).toBe(1);
    expect(backend.bytes).toBe('p:long'.length + 2);
  });

  it('an overwrite resets the expiry', async () => {
    const clock = fakeClock();
    const backend = new MemoryBackend({ now: clock.now });
    await backend.set('k', bytes(1), 100);
    clock.advance(90);
    await backend.set('k', bytes(2), 100);
    clock.advance(90);
    expect(await backend.get('k')).toEqual(bytes(2));
  });
});
