/**
 * HttpBackend.keys() remembers a bounded window of the keys it yielded (keysDedupWindow),
 * against the reference server (`createHttpBackendServer`) over a memory backend. A listing
 * that moves while it is paged through may report a key on two pages; the backend's injected
 * `fetch` adds that worst case to the real server's answers: each page also carries every key
 * the server listed on the pages before it.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HttpBackend } from '../../src/backends/http.js';
import { MemoryBackend } from '../../src/backends/memory.js';
import { ValidationError } from '../../src/errors.js';
import { createHttpBackendServer, type HttpBackendServer } from '../../src/testing/index.js';
import { collect, smallestRepeatGap } from './fixtures/keys.js';

const TOKEN = 'test-token-0123456789';
const KEYS = 40;

/** A `fetch` whose `GET /v1/keys` pages also repeat every key the server listed before. */
function echoingFetch(): { fetch: typeof fetch; pages: () => number } {
  const history: string[] = [];
  let pages = 0;
  const echoing = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const response = await fetch(input, init);
    const url = new URL(input instanceof Request ? input.url : input);
    if (!url.pathname.endsWith('/v1/keys') || response.status !== 200) return response;
    pages++;
    const page = (await response.json()) as { keys: string[]; cursor: string | null };
    const echoed = { keys: [...page.keys, ...history], cursor: page.cursor };
    history.push(...page.keys);
    return new Response(JSON.stringify(echoed), {
      status: 200,
      headers: { 'content-type': 'application/json' },
    });
  };
  return { fetch: echoing as typeof fetch, pages: () => pages };
}

describe('HttpBackend keys(): a bounded de-duplication window', () => {
  const store = new MemoryBackend();
  const server: HttpBackendServer = createHttpBackendServer({ backend: store, token: TOKEN });
  let url = '';
  const backends: HttpBackend[] = [];

  beforeAll(async () => {
    url = await server.listen();
    for (let i = 0; i < KEYS; i++) await store.set(`k:${i}`, new Uint8Array([i]), 60_000);
  });
  afterAll(async () => {
    await server.close();
    await store.close();
  });
  afterEach(async () => {
    await Promise.all(backends.splice(0).map((backend) => backend.close()));
  });

  function backend(keysDedupWindow?: number) {
    const echo = echoingFetch();
    const made = new HttpBackend({
      url,
      token: TOKEN,
      keysPageSize: 4,
      fetch: echo.fetch,
      ...(keysDedupWindow === undefined ? {} : { keysDedupWindow }),
    });
    backends.push(made);
    return { backend: made, echo };
  }

  it('with the default window, every key is yielded once although the pages repeat them all', async () => {
    const { backend: http, echo } = backend();
    const yields = await collect(http.keys('k:'));
    expect(echo.pages()).toBe(KEYS / 4);
    expect(yields.length).toBe(KEYS);
    expect(new Set(yields).size).toBe(KEYS);
  });

  it('with a window of 8, memory is bounded: old repeats come back, and none within 8 yields', async () => {
    const { backend: http } = backend(8);
    const yields = await collect(http.keys('k:'));
    const distinct = new Set(yields);
    expect(distinct.size).toBe(KEYS);
    for (let i = 0; i < KEYS; i++) expect(distinct.has(`k:${i}`)).toBe(true);
    // Keys reported again after more than 8 other keys were forgotten, so they are yielded again.
    expect(yields.length).toBeGreaterThan(KEYS);
    // Within the window de-duplication still holds: a key is never yielded twice within 8 yields.
    expect(smallestRepeatGap(yields)).toBeGreaterThan(8);
  });

  it('a window as large as the keyspace de-duplicates exactly', async () => {
    const { backend: http } = backend(KEYS);
    expect((await collect(http.keys('k:'))).length).toBe(KEYS);
  });

  it('rejects a keysDedupWindow that is not a positive integer', () => {
    for (const bad of [0, 2.5, '8']) {
      let error: unknown;
      try {
        new HttpBackend({ url, keysDedupWindow: bad as number });
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues.map((issue) => issue.path)).toEqual(['keysDedupWindow']);
    }
  });
});
