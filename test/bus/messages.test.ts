import { describe, expect, it } from 'vitest';
import {
  decodeEnvelope,
  encodeEnvelope,
  isEmpty,
  MAX_KEYS_PER_MESSAGE,
  newBusId,
  normalizeMessage,
  split,
} from '../../src/bus/messages.js';
import type { InvalidationMessage } from '../../src/bus/types.js';

describe('normalizeMessage', () => {
  it('returns a frozen copy holding only the fields of the message', () => {
    const keys = ['a', 'b'];
    const input = { type: 'delete', keys, extra: 'dropped' } as unknown as InvalidationMessage;
    const normalized = normalizeMessage(input) as Extract<InvalidationMessage, { type: 'delete' }>;
    expect(normalized).toEqual({ type: 'delete', keys: ['a', 'b'] });
    expect(Object.isFrozen(normalized)).toBe(true);
    expect(Object.isFrozen(normalized.keys)).toBe(true);
    keys.push('c');
    expect(normalized.keys).toEqual(['a', 'b']);
    expect(normalizeMessage({ type: 'clear', prefix: '' })).toEqual({ type: 'clear', prefix: '' });
    expect(normalizeMessage({ type: 'tags', tags: ['t'], at: 0 })).toEqual({
      type: 'tags',
      tags: ['t'],
      at: 0,
    });
  });

  it('says why a value is not a message', () => {
    expect(normalizeMessage(null)).toBe('expected an object');
    expect(normalizeMessage('delete')).toBe('expected an object');
    expect(normalizeMessage({ type: 'delete', keys: ['a', ''] })).toMatch(/^delete: /);
    expect(normalizeMessage({ type: 'delete', keys: 'a' })).toMatch(/^delete: /);
    expect(normalizeMessage({ type: 'clear', prefix: 1 })).toMatch(/^clear: /);
    expect(normalizeMessage({ type: 'tags', tags: [1], at: 0 })).toMatch(/^tags: expected tags/);
    expect(normalizeMessage({ type: 'tags', tags: ['t'], at: -1 })).toMatch(/^tags: expected at/);
    expect(normalizeMessage({ type: 'tags', tags: ['t'], at: Number.POSITIVE_INFINITY })).toMatch(/at/);
    expect(normalizeMessage({ type: 'purge' })).toBe('unknown message type "purge"');
  });
});

describe('isEmpty and split', () => {
  it('treats a delete without keys and tags without tags as empty, never a clear', () => {
    expect(isEmpty({ type: 'delete', keys: [] })).toBe(true);
    expect(isEmpty({ type: 'tags', tags: [], at: 1 })).toBe(true);
    expect(isEmpty({ type: 'clear', prefix: '' })).toBe(false);
    expect(isEmpty({ type: 'delete', keys: ['k'] })).toBe(false);
  });

  it('splits a large delete into messages of at most MAX_KEYS_PER_MESSAGE keys, in order', () => {
    const keys = Array.from({ length: MAX_KEYS_PER_MESSAGE * 2 + 1 }, (_, i) => `k${i}`);
    const parts = split({ type: 'delete', keys });
    expect(parts.map((part) => (part.type === 'delete' ? part.keys.length : -1))).toEqual([
      MAX_KEYS_PER_MESSAGE,
      MAX_KEYS_PER_MESSAGE,
      1,
    ]);
    expect(parts.flatMap((part) => (part.type === 'delete' ? part.keys : []))).toEqual(keys);
    const small: InvalidationMessage = { type: 'delete', keys: ['a'] };
    expect(split(small)).toEqual([small]);
    const tags: InvalidationMessage = { type: 'tags', tags: keys, at: 5 };
    expect(split(tags)).toEqual([tags]);
  });
});

describe('the wire envelope', () => {
  it('round-trips a message of another bus as compact JSON', () => {
    const message: InvalidationMessage = { type: 'tags', tags: ['x', 'y'], at: 42 };
    const payload = encodeEnvelope('sender-1', message);
    expect(payload).toBe('{"s":"sender-1","m":{"type":"tags","tags":["x","y"],"at":42}}');
    expect(decodeEnvelope(payload, 'me')).toEqual({ kind: 'message', message });
  });

  it("recognises the bus's own messages without validating them", () => {
    expect(decodeEnvelope(encodeEnvelope('me', { type: 'clear', prefix: 'p' }), 'me')).toEqual({
      kind: 'own',
    });
    expect(decodeEnvelope('{"s":"me","m":"garbage"}', 'me')).toEqual({ kind: 'own' });
  });

  it('reports malformed payloads with a reason', () => {
    const reason = (payload: string) => {
      const decoded = decodeEnvelope(payload, 'me');
      return decoded.kind === 'malformed' ? decoded.reason : decoded.kind;
    };
    expect(reason('not json')).toBe('not JSON');
    expect(reason('[1]')).toBe('expected a JSON object');
    expect(reason('null')).toBe('expected a JSON object');
    expect(reason('{"m":{"type":"clear","prefix":""}}')).toBe('expected "s" to be the sender id');
    expect(reason('{"s":"","m":{"type":"clear","prefix":""}}')).toBe('expected "s" to be the sender id');
    expect(reason('{"s":"other","m":{"type":"delete","keys":[3]}}')).toMatch(/^delete: /);
  });
});

describe('newBusId', () => {
  it('is 16 base64url characters, different each time', () => {
    const ids = new Set(Array.from({ length: 100 }, newBusId));
    expect(ids.size).toBe(100);
    for (const id of ids) expect(id).toMatch(/^[\w-]{16}$/);
  });
});
