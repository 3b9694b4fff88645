/**
 * The ioredis loader, and the check that ioredis is loaded lazily: importing the package entry
 * does not load it, creating a Redis component does.
 *
 * How it is checked: a fresh `node --import tsx` child imports `src/index.ts` and counts the
 * modules under `node_modules/ioredis/` in Node's CommonJS cache (`require.cache`). ioredis is
 * a CommonJS package, and Node puts a CommonJS module in that cache however it is loaded (a
 * static or dynamic ESM `import` as well as `require`), so a count of 0 after the import
 * means that nothing, on any path, loaded it.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { Cluster, Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/errors.js';
import { loadIORedis } from '../../src/redis/ioredis.js';

const run = promisify(execFile);
const entry = pathToFileURL(fileURLToPath(new URL('../../src/index.ts', import.meta.url))).href;

/** Runs `create` (source text using `m`, the imported entry) in a fresh process; module counts before and after. */
async function ioredisModules(create: string): Promise<{ afterImport: number; afterCreate: number }> {
  const script = `
    import { createRequire } from 'node:module';
    const require = createRequire(import.meta.url);
    const count = () => Object.keys(require.cache).filter((id) => /[\\\\/]node_modules[\\\\/]ioredis[\\\\/]/.test(id)).length;
    const m = await import(${JSON.stringify(entry)});
    const afterImport = count();
    const component = ${create};
    const afterCreate = count();
    await component.close();
    console.log(JSON.stringify({ afterImport, afterCreate }));
  `;
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    timeout: 30_000,
  });
  return JSON.parse(stdout.trim().split('\n').pop() as string);
}

describe('loadIORedis', () => {
  it("returns Node's one instance of ioredis, the one `import 'ioredis'` gives", () => {
    const module = loadIORedis();
    expect(module.Redis).toBe(Redis);
    expect(module.Cluster).toBe(Cluster);
    expect(loadIORedis()).toBe(module);
  });

  it('names the package and how to install it when it cannot be loaded', () => {
    const missing = Object.assign(new Error("Cannot find module 'ioredis'"), { code: 'MODULE_NOT_FOUND' });
    let caught: unknown;
    try {
      loadIORedis(() => {
        throw missing;
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigurationError);
    expect((caught as Error).message).toMatch(/npm install ioredis/);
    expect((caught as Error).cause).toBe(missing);
  });

  it('rejects a module without the Redis and Cluster constructors', () => {
    expect(() => loadIORedis(() => ({ Redis }))).toThrow(ConfigurationError);
    expect(() => loadIORedis(() => undefined)).toThrow(/Redis and Cluster/);
    expect(loadIORedis(() => ({ Redis, Cluster, extra: 1 })).Redis).toBe(Redis);
  });
});

describe('ioredis is loaded lazily (fresh processes on the sources)', () => {
  it('importing the entry does not load ioredis; creating a RedisBackend or a RedisConnection does', async () => {
    const [backend, connection] = await Promise.all([
      ioredisModules("new m.RedisBackend('redis://127.0.0.1:1')"),
      ioredisModules("new m.RedisConnection({ url: 'redis://127.0.0.1:1' })"),
    ]);
    expect(backend.afterImport).toBe(0);
    expect(backend.afterCreate).toBeGreaterThan(0);
    expect(connection.afterImport).toBe(0);
    expect(connection.afterCreate).toBeGreaterThan(0);
  });
});
