import { expect, it } from 'vitest';
import { getHasher, getHasherSync } from '../../src/keys/index.js';

// Separate file: vitest isolates modules per file, so xxhash is not initialised yet here.
it('getHasherSync returns undefined for xxh64 until getHasher() resolved', async () => {
  expect(getHasherSync('xxh64')).toBeUndefined();
  expect(getHasherSync('sha256')?.algorithm).toBe('sha256');
  const hasher = await getHasher();
  expect(getHasherSync('xxh64')).toBe(hasher);
  expect(getHasherSync()).toBe(hasher);
});
