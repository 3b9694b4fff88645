import { describe, expect, it } from 'vitest';
import { createShared } from '../../src/ai-cache/setup.js';
import { MemoryBackend } from '../../src/backends/memory.js';
import { ValidationError } from '../../src/errors.js';

describe('createShared', () => {
  it('builds a memory cache without Redis: no lock, no bus, the memory backend', async () => {
    const shared = createShared({});
    expect(shared.backendName).toBe('memory');
    expect(shared.lock).toBeUndefined();
    expect(shared.hasher).toBeUndefined();
    expect(shared.defaultTtlMs).toBeGreaterThan(0);
    await shared.root.close();
  });

  it('uses a given backend, and closes it only when it owns it', async () => {
    const backend = new MemoryBackend();
    const shared = createShared({ backend, owns: false });
    expect(shared.backendName).toBe(backend.name);
    await shared.root.close();
    // Not closed by the cache: still usable.
    await backend.set('k', new Uint8Array([1]), 1000);
    expect(await backend.get('k')).toEqual(new Uint8Array([1]));
    await backend.close();
  });

  it('closes a given backend by default', async () => {
    const backend = new MemoryBackend();
    const shared = createShared({ backend });
    await shared.root.close();
    await expect(backend.set('k', new Uint8Array([1]), 1000)).rejects.toThrow(/closed/);
  });

  it('rejects invalid options with every problem listed (nothing built)', () => {
    expect(() => createShared({ defaultTtl: -5, namespace: 'a:b' } as never)).toThrow(ValidationError);
  });
});
