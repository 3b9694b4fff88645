/**
 * Which Node runs the suite, and whether the native addons loaded are built for it. `npm test`
 * runs the suite on the machine's Node (20) and then a second pass on Node 24
 * (scripts/test-node24.mjs sets EXPECT_NODE_MAJOR=24 and resolves better-sqlite3 to the N-API
 * build of better-sqlite3 13 in tools/node24): this file proves that pass is what it says.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { DiskBackend } from '../src/backends/disk.js';

const require = createRequire(import.meta.url);

describe('the runtime under test', () => {
  const expected = process.env.EXPECT_NODE_MAJOR;

  it.runIf(expected !== undefined)(`is Node ${expected}`, () => {
    expect(process.versions.node.split('.')[0]).toBe(expected);
  });

  it('loads a better-sqlite3 built for this runtime (a DiskBackend roundtrip)', async () => {
    const resolved = require.resolve('better-sqlite3');
    if (expected === '24') expect(resolved).toContain('/tools/node24/node_modules/better-sqlite3/');
    else expect(resolved).not.toContain('/tools/node24/');
    const backend = new DiskBackend({ path: ':memory:' });
    await backend.set('k', new Uint8Array([1, 2, 3]), 60_000);
    expect(await backend.get('k')).toEqual(new Uint8Array([1, 2, 3]));
    await backend.close();
  });

  it('loads lz4-napi (an N-API addon: one build for every ABI)', async () => {
    const lz4 = await import('lz4-napi');
    const input = Buffer.from('a'.repeat(1000));
    expect(Buffer.compare(await lz4.uncompress(await lz4.compress(input)), input)).toBe(0);
  });
});
