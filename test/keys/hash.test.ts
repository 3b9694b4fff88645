import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { getHasher, getHasherSync, HASH_HEX_LENGTH, type HashAlgorithm } from '../../src/keys/index.js';

describe('hashing', () => {
  it('knows the reference vectors', async () => {
    const xxh = await getHasher('xxh64');
    const sha = await getHasher('sha256');
    expect(xxh.hash('')).toBe('ef46db3751d8e999');
    expect(xxh.hash('abc')).toBe('44bc2cf5ad770999');
    expect(sha.hash('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha.hash('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('defaults to xxh64', async () => {
    expect((await getHasher()).algorithm).toBe('xxh64');
  });

  it.each<HashAlgorithm>(['xxh64', 'sha256'])(
    '%s is deterministic, lowercase hex of fixed length',
    async (algorithm) => {
      const hasher = await getHasher(algorithm);
      expect(hasher.algorithm).toBe(algorithm);
      for (const input of ['', 'a', 'hello world', '日本語 🙂', 'x'.repeat(10_000)]) {
        const digest = hasher.hash(input);
        expect(digest).toBe(hasher.hash(input));
        expect(digest).toMatch(new RegExp(`^[0-9a-f]{${HASH_HEX_LENGTH[algorithm]}}$`));
      }
      expect(hasher.hash('a')).not.toBe(hasher.hash('b'));
      // UTF-8 of the input, whatever its normalisation of the JS string.
      expect(hasher.hash('é')).not.toBe(hasher.hash('e\u0301'));
    },
  );

  it('pads short xxh64 digests to 16 characters', async () => {
    const hasher = await getHasher();
    for (let i = 0; i < 5000; i++) expect(hasher.hash(`k${i}`)).toHaveLength(16);
  });

  it('initialises xxhash once (memoized)', async () => {
    const [a, b] = await Promise.all([getHasher('xxh64'), getHasher('xxh64')]);
    expect(a).toBe(b);
    expect(getHasher('xxh64')).toBe(getHasher('xxh64'));
    expect(await getHasher()).toBe(a);
    expect(getHasherSync('xxh64')).toBe(a);
    expect(getHasherSync('sha256')).toBe(await getHasher('sha256'));
  });

  it('rejects unknown algorithms', async () => {
    await expect(getHasher('md5' as HashAlgorithm)).rejects.toBeInstanceOf(ValidationError);
    expect(() => getHasherSync('md5' as HashAlgorithm)).toThrow(ValidationError);
  });
});
