/**
 * Writing a backend: a small file-per-entry `CacheBackend`, the worked example of the README's
 * "Writing a backend". test/backends/custom-backend-example.test.ts runs the conformance suite
 * on it, and then this example.
 *
 *   npx tsx examples/custom-backend.ts
 *
 * Each entry is one file named by the SHA-256 of its key (any key is a valid file name, however
 * long), holding a header (expiry time, key) and the bytes. Writes go to a temporary file that
 * is renamed over the old one, so a reader never sees half an entry.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, open, readdir, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BackendEntry, type CacheBackend, createCache, InfrastructureError } from '../src/index.js';

const HEADER = 12; // float64 expiresAt + uint32 key length

/** Options of {@link FileBackend}. */
export interface FileBackendOptions {
  /** The directory holding one file per entry (created if missing). */
  dir: string;
  /** Clock for expiry, in ms. @default Date.now */
  now?: () => number;
}

/** A {@link CacheBackend} keeping each entry in a file of `dir`. */
export class FileBackend implements CacheBackend {
  readonly name = 'file';
  readonly #dir: string;
  readonly #now: () => number;
  #ready: Promise<unknown> | undefined;
  #closed = false;

  constructor(options: FileBackendOptions) {
    this.#dir = options.dir;
    this.#now = options.now ?? Date.now;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    return (await this.#read(this.#path(key), key))?.value;
  }

  async set(key: string, value: Uint8Array, ttlMs: number): Promise<void> {
    await this.#open('set');
    const name = new TextEncoder().encode(key);
    const file = new Uint8Array(HEADER + name.byteLength + value.byteLength);
    const view = new DataView(file.buffer);
    view.setFloat64(0, this.#now() + ttlMs); // the backend owns physical expiry
    view.setUint32(8, name.byteLength);
    file.set(name, HEADER);
    file.set(value, HEADER + name.byteLength);
    const temp = join(this.#dir, `.tmp-${randomUUID()}`);
    await writeFile(temp, file);
    await rename(temp, this.#path(key)); // atomic: the old entry or the new one, never half
  }

  async delete(key: string): Promise<boolean> {
    const live = (await this.#read(this.#path(key), key)) !== undefined;
    await unlink(this.#path(key)).catch(ignoreMissing); // idempotent: a second delete is false
    return live;
  }

  async has(key: string): Promise<boolean> {
    return (await this.#read(this.#path(key), key)) !== undefined;
  }

  async clear(prefix = ''): Promise<void> {
    // Only this backend's own files, only those whose key starts with `prefix` (literally).
    for await (const { key, path } of this.#entries(prefix))
      if (key.startsWith(prefix)) await unlink(path).catch(ignoreMissing);
  }

  async *keys(prefix = ''): AsyncIterable<string> {
    for await (const { key } of this.#entries(prefix)) yield key;
  }

  async getMany(keys: string[]): Promise<(Uint8Array | undefined)[]> {
    return Promise.all(keys.map((key) => this.get(key)));
  }

  async setMany(entries: BackendEntry[]): Promise<void> {
    await Promise.all(entries.map((e) => this.set(e.key, e.value, e.ttlMs)));
  }

  async close(): Promise<void> {
    this.#closed = true; // idempotent; no handles are kept open between calls
  }

  #path(key: string): string {
    return join(this.#dir, createHash('sha256').update(key).digest('hex'));
  }

  async #open(op: string): Promise<void> {
    if (this.#closed)
      throw new InfrastructureError('FileBackend is closed', { context: { op, backend: 'file' } });
    this.#ready ??= mkdir(this.#dir, { recursive: true });
    await this.#ready;
  }

  /** The live entry in `path` (for `expectedKey`, when given), deleting it once expired. */
  async #read(path: string, expectedKey?: string): Promise<{ key: string; value: Uint8Array } | undefined> {
    await this.#open('read');
    const file = await readFile(path).catch(ignoreMissing);
    if (!file || file.byteLength < HEADER) return undefined;
    const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
    const keyLength = view.getUint32(8);
    const key = new TextDecoder().decode(file.subarray(HEADER, HEADER + keyLength));
    if (expectedKey !== undefined && key !== expectedKey) return undefined;
    if (view.getFloat64(0) <= this.#now()) {
      await unlink(path).catch(ignoreMissing);
      return undefined;
    }
    return { key, value: new Uint8Array(file.subarray(HEADER + keyLength)) };
  }

  /** Live entries whose key starts with `prefix`: reads each file's header only. */
  async *#entries(prefix: string): AsyncIterable<{ key: string; path: string }> {
    await this.#open('keys');
    for (const name of await readdir(this.#dir)) {
      if (!/^[0-9a-f]{64}$/.test(name)) continue;
      const path = join(this.#dir, name);
      const handle = await open(path, 'r').catch(ignoreMissing);
      if (!handle) continue;
      try {
        const head = new Uint8Array(HEADER);
        await handle.read(head, 0, HEADER, 0);
        const view = new DataView(head.buffer);
        const name = new Uint8Array(view.getUint32(8));
        await handle.read(name, 0, name.byteLength, HEADER);
        const key = new TextDecoder().decode(name);
        if (view.getFloat64(0) > this.#now() && key.startsWith(prefix)) yield { key, path };
      } finally {
        await handle.close();
      }
    }
  }
}

function ignoreMissing(error: unknown): undefined {
  if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
  throw error;
}

/** The example: a `Cache` over a {@link FileBackend}, surviving a "restart" of the process. */
export async function runCustomBackendExample(log: (line: string) => void = console.log): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'arc-file-backend-'));
  try {
    const first = createCache({ prefix: 'example', backend: new FileBackend({ dir }), ttl: '10m' });
    let calls = 0;
    const report = () => {
      calls++;
      return { total: 42, rows: ['a', 'b'] };
    };
    await first.getOrSet(['report', 2026], report);
    await first.close();
    // A new cache (think: the next run of the program) over the same directory.
    const second = createCache({ prefix: 'example', backend: new FileBackend({ dir }), ttl: '10m' });
    const again = await second.getOrSet(['report', 2026], report);
    log(`report ${JSON.stringify(again)}: ${calls} producer call over two runs`);
    const files = (await readdir(dir)).length;
    log(`${files} file in ${dir.startsWith(tmpdir()) ? 'a temp dir' : dir}`);
    await second.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runCustomBackendExample();
