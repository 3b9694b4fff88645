import { describe, expect, it } from 'vitest';
import { compressorFor } from '../../src/compression/compressors.js';
import { loadLz4, lz4 } from '../../src/compression/lz4.js';
import { ConfigurationError } from '../../src/errors.js';

describe('lz4-napi loader', () => {
  it('loads lz4-napi through require and round-trips a payload', () => {
    const api = lz4();
    expect(lz4()).toBe(api);
    const input = Buffer.from('abcabcabcabcabcabcabcabcabcabc'.repeat(20));
    const packed = api.compressSync(input);
    expect(packed.length).toBeLessThan(input.length);
    expect(Buffer.from(api.uncompressSync(packed)).equals(input)).toBe(true);
    const codec = compressorFor('lz4');
    expect(Buffer.from(codec.decompress(codec.compress(input), input.length)).equals(input)).toBe(true);
  });

  it('names the package and the alternatives when the addon cannot be loaded', () => {
    const missing = Object.assign(new Error("Cannot find module 'lz4-napi'"), { code: 'MODULE_NOT_FOUND' });
    let thrown: unknown;
    try {
      loadLz4(() => {
        throw missing;
      });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigurationError);
    const error = thrown as ConfigurationError;
    expect(error.message).toContain('lz4-napi');
    expect(error.message).toContain("'deflate'");
    expect(error.cause).toBe(missing);
  });

  it('rejects a module without the three functions', () => {
    expect(() => loadLz4(() => ({ compressSync: () => Buffer.alloc(0) }))).toThrow(
      /does not export compressSync, compress and uncompressSync/,
    );
    expect(() => loadLz4(() => undefined)).toThrow(ConfigurationError);
  });

  it('hands back the loaded functions unchanged', () => {
    const fake = {
      compressSync: (b: Buffer) => b,
      compress: async (b: Buffer) => b,
      uncompressSync: (b: Buffer | Uint8Array) => Buffer.from(b),
    };
    expect(loadLz4(() => fake)).toBe(fake);
  });
});
