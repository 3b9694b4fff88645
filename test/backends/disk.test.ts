import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { DiskBackend, type DiskBackendOptions, loadBetterSqlite3 } from '../../src/backends/disk.js';
import { createCache } from '../../src/cache/cache.js';
import { ConfigurationError, InfrastructureError, ValidationError } from '../../src/errors.js';
import { backendConformance } from '../../src/testing/index.js';
import { fakeClock } from '../helpers/clock.js';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const fixture = join(here, 'fixtures', 'disk-writer.ts');

const dir = mkdtempSync(join(tmpdir(), 'arc-disk-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const tmpFile = () => join(dir, `db-${++files}`, 'cache.sqlite');

backendConformance('DiskBackend (file)', () => new DiskBackend({ path: tmpFile() }));
backendConformance('DiskBackend (:memory:)', () => new DiskBackend({ path: ':memory:' }));

const encoder = new TextEncoder();
const text = (value: string) => encoder.encode(value);
const decode = (value: Uint8Array | undefined) =>
  value === undefined ? undefined : new TextDecoder().decode(value);
const bytes = (n: number) => new Uint8Array(n).fill(7);

async function keysOf(backend: DiskBackend, prefix?: string): Promise<string[]> {
  const out: string[] = [];
  for await (const key of backend.keys(prefix)) out.push(key);
  return out.sort();
}

/** A file-backed backend with a fake clock; recency refreshed on every read. */
function clocked(options: Partial<DiskBackendOptions> = {}) {
  const clock = fakeClock();
  const backend = new DiskBackend({ path: tmpFile(), now: clock.now, touchIntervalMs: 0, ...options });
  return { backend, clock };
}

function child(...args: string[]) {
  return run(process.execPath, ['--import', 'tsx', fixture, ...args], { cwd: root, timeout: 20_000 });
}

describe('DiskBackend persistence and sharing', () => {
  it('keeps values and TTLs across close and reopen', async () => {
    const path = tmpFile();
    const clock = fakeClock();
    const first = new DiskBackend({ path, now: clock.now });
    await first.set('short', text('s'), 10_000);
    await first.set('long', text('l'), 60_000);
    await first.set('empty', new Uint8Array(0), 60_000);
    await first.close();

    clock.advance(9_999);
    const second = new DiskBackend({ path, now: clock.now });
    expect(decode(await second.get('short'))).toBe('s');
    expect(await second.get('empty')).toEqual(new Uint8Array(0));
    expect(second.size).toBe(3);
    clock.advance(1);
    expect(await second.get('short')).toBeUndefined();
    expect(decode(await second.get('long'))).toBe('l');
    await second.close();
  });

  it('two instances on the same file see each other (exact shared totals and caps)', async () => {
    const path = tmpFile();
    const a = new DiskBackend({ path, maxEntries: 5 });
    const b = new DiskBackend({ path });
    await a.set('k', text('from a'), 60_000);
    expect(decode(await b.get('k'))).toBe('from a');
    await b.set('k', text('from b'), 60_000);
    expect(decode(await a.get('k'))).toBe('from b');
    expect(await b.delete('k')).toBe(true);
    expect(await a.has('k')).toBe(false);

    for (let i = 0; i < 10; i++) await b.set(`b:${i}`, bytes(10), 60_000);
    expect(a.size).toBe(10); // b's writes are counted for a too
    await a.set('a:0', bytes(10), 60_000); // a enforces its cap over everything
    expect(b.size).toBe(5);
    expect(await keysOf(a)).toContain('a:0');
    await a.close();
    await b.close();
  });

  it('reads entries written by another process while writing concurrently', async () => {
    const path = tmpFile();
    const backend = new DiskBackend({ path });
    let exited = false;
    const writer = child('backend', path, '400', 'child:').finally(() => {
      exited = true;
    });
    let written = 0;
    let seenFromChild = false;
    while (!exited) {
      await backend.set(`parent:${written++}`, text('parent'), 60_000);
      seenFromChild ||= (await backend.get('child:0')) !== undefined;
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    expect((await writer).stdout).toContain('done');
    expect(seenFromChild).toBe(true); // read while the child was still running
    expect(decode(await backend.get('child:399'))).toBe('child 399');
    expect((await keysOf(backend, 'child:')).length).toBe(400);
    expect((await keysOf(backend, 'parent:')).length).toBe(written);
    expect(backend.size).toBe(400 + written);
    await backend.close();
  });

  it("serves a previous process's Cache entries as L2 hits after a restart", async () => {
    const path = tmpFile();
    const prompt = 'Explain WAL mode in one sentence.';
    const answer = { text: 'Readers do not block the writer.', tokens: 9 };
    expect((await child('cache', path, prompt, JSON.stringify(answer))).stdout).toContain('done');

    const cache = createCache({ backend: new DiskBackend({ path }) });
    expect(await cache.get(prompt)).toEqual(answer);
    expect(cache.stats().l2.hits).toBe(1);
    expect(cache.stats().l2.backend).toBe('disk');
    await cache.close();
  });

  it('works under the L1 within one process too', async () => {
    const path = tmpFile();
    const first = createCache({ backend: new DiskBackend({ path }) });
    await first.set('q', { a: 1 });
    await first.close();
    const second = createCache({ backend: new DiskBackend({ path }) });
    expect(await second.get('q')).toEqual({ a: 1 });
    expect(await second.get('q')).toEqual({ a: 1 });
    expect(second.stats().l2.hits).toBe(1);
    expect(second.stats().l1.hits).toBe(1);
    await second.close();
  });

  it('opens in WAL mode with synchronous = NORMAL and the busy timeout', async () => {
    const path = tmpFile();
    const backend = new DiskBackend({ path, busyTimeoutMs: 1234 });
    await backend.set('k', text('v'), 60_000);
    expect(backend.database.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(backend.database.pragma('synchronous', { simple: true })).toBe(1);
    expect(backend.database.pragma('busy_timeout', { simple: true })).toBe(1234);
    expect(existsSync(`${path}-wal`)).toBe(true);
    await backend.close();
    const other = new Database(path, { readonly: true });
    expect(other.pragma('journal_mode', { simple: true })).toBe('wal'); // persistent
    other.close();
  });
});

describe('DiskBackend caps and eviction', () => {
  it('evicts the least recently used entries beyond maxBytes and tracks bytes', async () => {
    const { backend, clock } = clocked({ maxBytes: 100 });
    await backend.set('k1', bytes(38), 60_000); // 40 bytes
    clock.advance(10);
    await backend.set('k2', bytes(38), 60_000);
    clock.advance(10);
    await backend.get('k1'); // k1 is now more recent than k2
    clock.advance(10);
    expect(backend.bytes).toBe(80);
    await backend.set('k3', bytes(38), 60_000);
    expect(await keysOf(backend)).toEqual(['k1', 'k3']);
    expect(backend.bytes).toBe(80);
    await backend.set('k3', bytes(8), 60_000); // overwrite shrinks
    expect(backend.bytes).toBe(50);
    await backend.delete('k1');
    expect(backend.bytes).toBe(10);
    await backend.clear();
    expect([backend.size, backend.bytes]).toEqual([0, 0]);
    await backend.close();
  });

  it('refreshes recency on reads only after touchIntervalMs', async () => {
    const { backend, clock } = clocked({ maxEntries: 2, touchIntervalMs: 1000 });
    await backend.set('a', bytes(1), 60_000);
    clock.advance(10);
    await backend.set('b', bytes(1), 60_000);
    clock.advance(10);
    await backend.get('a'); // too recent to be refreshed
    await backend.set('c', bytes(1), 60_000);
    expect(await keysOf(backend)).toEqual(['b', 'c']);
    clock.advance(2000);
    await backend.get('b'); // old enough: refreshed
    clock.advance(10);
    await backend.set('d', bytes(1), 60_000);
    expect(await keysOf(backend)).toEqual(['b', 'd']);
    await backend.close();
  });

  it('evicts the least recently used beyond maxEntries; has() and keys() do not refresh', async () => {
    const { backend, clock } = clocked({ maxEntries: 3 });
    for (const key of ['a', 'b', 'c']) {
      await backend.set(key, bytes(1), 60_000);
      clock.advance(10);
    }
    await backend.getMany(['a']);
    clock.advance(10);
    await backend.has('b');
    await keysOf(backend);
    await backend.set('d', bytes(1), 60_000);
    expect(await keysOf(backend)).toEqual(['a', 'c', 'd']);
    await backend.setMany(['e', 'f', 'g', 'h'].map((key) => ({ key, value: bytes(1), ttlMs: 60_000 })));
    expect(backend.size).toBe(3);
    await backend.close();
  });

  it('removes expired rows before evicting live ones', async () => {
    const { backend, clock } = clocked({ maxEntries: 3 });
    await backend.set('old-but-live', bytes(1), 60_000);
    clock.advance(10);
    await backend.set('expiring', bytes(1), 100);
    await backend.set('live', bytes(1), 60_000);
    clock.advance(200);
    await backend.set('new', bytes(1), 60_000);
    expect(await keysOf(backend)).toEqual(['live', 'new', 'old-but-live']);
    expect(backend.size).toBe(3);
    await backend.close();
  });

  it('does not store an entry larger than maxBytes and drops its previous value', async () => {
    const { backend } = clocked({ maxBytes: 100 });
    await backend.set('small', bytes(10), 60_000);
    await backend.set('big', bytes(10), 60_000);
    await backend.set('big', bytes(200), 60_000);
    expect(await backend.get('big')).toBeUndefined();
    expect(await keysOf(backend)).toEqual(['small']);
    await backend.close();
  });

  it('purges expired rows every purgeEveryWrites writes and on purgeExpired()', async () => {
    const { backend, clock } = clocked({ purgeEveryWrites: 3 });
    await backend.set('x1', bytes(1), 100);
    await backend.set('x2', bytes(1), 100);
    clock.advance(100);
    expect(backend.size).toBe(2); // expired, not purged yet
    expect(await backend.get('x1')).toBeUndefined();
    await backend.set('live', bytes(1), 60_000); // 3rd write
    expect(backend.size).toBe(1);
    await backend.set('y', bytes(1), 50);
    clock.advance(50);
    expect(backend.purgeExpired()).toBe(1);
    expect(await keysOf(backend)).toEqual(['live']);
    await backend.close();
  });

  it('follows the injected clock exactly', async () => {
    const { backend, clock } = clocked();
    await backend.set('k', bytes(1), 1000);
    clock.advance(999);
    expect(await backend.has('k')).toBe(true);
    expect(await backend.getMany(['k'])).toEqual([bytes(1)]);
    clock.advance(1);
    expect(await backend.get('k')).toBeUndefined();
    expect(await backend.getMany(['k'])).toEqual([undefined]);
    expect(await keysOf(backend)).toEqual([]);
    expect(await backend.delete('k')).toBe(false);
    await backend.close();
  });
});

describe('DiskBackend keys and prefixes', () => {
  it('matches % and _ (and other pattern characters) literally', async () => {
    const backend = new DiskBackend({ path: ':memory:' });
    for (const key of ['a%b:1', 'a%bc', 'a_b:1', 'axb:1', 'aXb', 'a*b', 'a\\b']) {
      await backend.set(key, text(key), 60_000);
    }
    expect(await keysOf(backend, 'a%')).toEqual(['a%b:1', 'a%bc']);
    expect(await keysOf(backend, 'a_')).toEqual(['a_b:1']);
    expect(await keysOf(backend, 'a*')).toEqual(['a*b']);
    await backend.clear('a_');
    await backend.clear('a%b:');
    expect(await keysOf(backend)).toEqual(['a%bc', 'a*b', 'aXb', 'a\\b', 'axb:1'].sort());
    await backend.close();
  });

  it('handles non-ASCII prefixes, including the last code point', async () => {
    const backend = new DiskBackend({ path: ':memory:' });
    const keys = ['p', 'pé:1', 'p\u{10FFFF}x', 'p\u{10FFFF}\u{10FFFF}', 'q', 'é', 'é\u{1F600}', '\u{10FFFF}'];
    for (const key of keys) await backend.set(key, text(key), 60_000);
    expect(await keysOf(backend, 'p')).toEqual(['p', 'pé:1', 'p\u{10FFFF}x', 'p\u{10FFFF}\u{10FFFF}'].sort());
    expect(await keysOf(backend, 'p\u{10FFFF}')).toEqual(['p\u{10FFFF}x', 'p\u{10FFFF}\u{10FFFF}'].sort());
    expect(await keysOf(backend, 'é')).toEqual(['é', 'é\u{1F600}']);
    expect(await keysOf(backend, '\u{10FFFF}')).toEqual(['\u{10FFFF}']);
    await backend.clear('p\u{10FFFF}');
    expect(await keysOf(backend, 'p')).toEqual(['p', 'pé:1']);
    await backend.close();
  });

  it('isolates tables sharing one injected database and leaves that database open', async () => {
    const db = new Database(':memory:');
    const one = new DiskBackend({ database: db, table: 'one' });
    const two = new DiskBackend({ database: db, table: 'two' });
    await one.set('k', text('1'), 60_000);
    await two.set('k', text('2'), 60_000);
    await one.clear();
    expect(decode(await two.get('k'))).toBe('2');
    await one.close();
    await two.close();
    expect(db.open).toBe(true);
    const owner = new DiskBackend({ database: db, table: 'two', ownsDatabase: true });
    expect(decode(await owner.get('k'))).toBe('2');
    await owner.close();
    expect(db.open).toBe(false);
  });
});

describe('DiskBackend errors', () => {
  it('explains how to install better-sqlite3 when it is missing', () => {
    const missing = () => {
      throw Object.assign(new Error("Cannot find module 'better-sqlite3'"), { code: 'MODULE_NOT_FOUND' });
    };
    expect(() => loadBetterSqlite3(missing)).toThrow(ConfigurationError);
    expect(() => loadBetterSqlite3(missing)).toThrow(
      /optional peer dependency better-sqlite3: npm install better-sqlite3/,
    );
    expect(() =>
      loadBetterSqlite3(() => {
        throw new Error('broken');
      }),
    ).toThrow(/could not load better-sqlite3 \(broken\)/);
    expect(() => loadBetterSqlite3(() => ({}))).toThrow(ConfigurationError);
    expect(loadBetterSqlite3()).toBe(Database);
  });

  it('accepts an injected module and reports a native addon failure as a configuration error', async () => {
    const backend = new DiskBackend({ path: ':memory:', lib: Database });
    await backend.set('k', text('v'), 1000);
    expect(decode(await backend.get('k'))).toBe('v');
    await backend.close();
    class Broken {
      constructor() {
        throw new Error('was compiled against a different Node.js version using NODE_MODULE_VERSION 115');
      }
    }
    expect(() => new DiskBackend({ path: ':memory:', lib: Broken as never })).toThrow(
      /npm rebuild better-sqlite3/,
    );
  });

  it('lists every invalid option', () => {
    let error: unknown;
    try {
      new DiskBackend({
        path: '',
        maxBytes: 0,
        maxEntries: 1.5,
        busyTimeoutMs: -1,
        touchIntervalMs: Number.NaN,
        purgeEveryWrites: -2,
        table: 'x; DROP TABLE y',
        now: 5 as unknown as () => number,
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => i.path)).toEqual([
      'path',
      'maxBytes',
      'maxEntries',
      'busyTimeoutMs',
      'touchIntervalMs',
      'purgeEveryWrites',
      'table',
      'now',
    ]);
    expect(() => new DiskBackend({ path: ':memory:', database: new Database(':memory:') })).toThrow(
      /either path or database/,
    );
    expect(() => new DiskBackend({ path: ':memory:', table: 'sqlite_master' })).toThrow(ValidationError);
  });

  it('rejects invalid entries with ValidationError', async () => {
    const backend = new DiskBackend({ path: ':memory:' });
    await expect(backend.set('k', bytes(1), 0)).rejects.toBeInstanceOf(ValidationError);
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
    await backend.close();
  });

  it('wraps database failures in InfrastructureError without values in the message', async () => {
    const db = new Database(':memory:');
    const backend = new DiskBackend({ database: db });
    db.close();
    const error = await backend.set('secret-key', text('secret value'), 1000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InfrastructureError);
    expect((error as InfrastructureError).context).toMatchObject({ op: 'set', backend: 'disk' });
    expect((error as Error).message).not.toContain('secret');
    await expect(backend.get('k')).rejects.toBeInstanceOf(InfrastructureError);
  });

  it('reports an unopenable path as InfrastructureError', () => {
    const file = join(dir, 'not-a-dir');
    rmSync(file, { force: true });
    new Database(file).close(); // a file where a directory is expected
    expect(() => new DiskBackend({ path: join(file, 'cache.sqlite') })).toThrow(InfrastructureError);
  });

  it('rejects every call after close(); close() is idempotent', async () => {
    const backend = new DiskBackend({ path: tmpFile() });
    await backend.set('k', text('v'), 60_000);
    await backend.close();
    await backend.close();
    await expect(backend.get('k')).rejects.toBeInstanceOf(InfrastructureError);
    await expect(backend.set('k', text('v'), 10)).rejects.toBeInstanceOf(InfrastructureError);
    await expect(keysOf(backend)).rejects.toBeInstanceOf(InfrastructureError);
    expect(() => backend.purgeExpired()).toThrow(/closed/);
  });
});
