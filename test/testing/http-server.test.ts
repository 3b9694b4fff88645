/**
 * The reference server of the HttpBackend protocol (`ai-response-cache/testing`), spoken to with
 * plain `fetch` on a free loopback port: the routes, the token, and its option checks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryBackend } from '../../src/backends/memory.js';
import { ValidationError } from '../../src/errors.js';
import { createHttpBackendServer, type HttpBackendServer } from '../../src/testing/index.js';

const backend = new MemoryBackend();
let server: HttpBackendServer;
let url: string;
const auth = { authorization: 'Bearer s3cret' };

beforeAll(async () => {
  server = createHttpBackendServer({ backend, token: 's3cret' });
  url = await server.listen();
});
afterAll(async () => {
  await server.close();
  await backend.close();
});

describe('createHttpBackendServer', () => {
  it('stores, reads, lists and deletes entries over the REST routes', async () => {
    const key = encodeURIComponent('p:a b/1');
    const put = await fetch(`${url}/v1/entries/${key}`, {
      method: 'PUT',
      headers: { ...auth, 'content-type': 'application/octet-stream', 'x-ttl-ms': '60000' },
      body: new Uint8Array([1, 2, 3]),
    });
    expect(put.status).toBe(204);
    expect(await backend.get('p:a b/1')).toEqual(new Uint8Array([1, 2, 3]));
    const got = await fetch(`${url}/v1/entries/${key}`, { headers: auth });
    expect(got.status).toBe(200);
    expect(new Uint8Array(await got.arrayBuffer())).toEqual(new Uint8Array([1, 2, 3]));
    const keys = await fetch(`${url}/v1/keys?prefix=p:`, { headers: auth });
    expect(await keys.json()).toMatchObject({ keys: ['p:a b/1'] });
    expect((await fetch(`${url}/v1/entries/${key}`, { method: 'DELETE', headers: auth })).status).toBe(204);
    expect((await fetch(`${url}/v1/entries/${key}`, { headers: auth })).status).toBe(404);
  });

  it('refuses a request without the token and writes nothing', async () => {
    const res = await fetch(`${url}/v1/entries/k`, {
      method: 'PUT',
      headers: { 'x-ttl-ms': '1000' },
      body: new Uint8Array([9]),
    });
    expect(res.status).toBe(401);
    expect(await backend.get('k')).toBeUndefined();
  });

  it('rejects invalid options with every problem listed', () => {
    let error: unknown;
    try {
      createHttpBackendServer({ backend: {} as never, token: '', maxBodyBytes: -1 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => i.path)).toEqual([
      'backend',
      'token',
      'maxBodyBytes',
    ]);
  });
});
