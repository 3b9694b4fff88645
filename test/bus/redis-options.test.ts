import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { type RedisInvalidationBusOptions, validateOptions } from '../../src/bus/redis-options.js';
import { ValidationError } from '../../src/errors.js';

/** The paths of the issues `validateOptions` lists for `options` (empty when valid). */
function issuePaths(options: unknown): string[] {
  try {
    validateOptions(options as RedisInvalidationBusOptions);
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).issues.map((issue) => issue.path).sort();
  }
}

describe('validateOptions (RedisInvalidationBus)', () => {
  const client = new Redis({ lazyConnect: true });
  const subscriber = new Redis({ lazyConnect: true });
  afterAll(() => {
    client.disconnect();
    subscriber.disconnect();
  });

  it('accepts a client alone, or with a separate subscriber and every option', () => {
    expect(issuePaths({ client })).toEqual([]);
    expect(
      issuePaths({ client, subscriber, channel: 'c', onError: () => {}, batchMs: 0, commandTimeoutMs: 5 }),
    ).toEqual([]);
  });

  it('rejects a non-object', () => {
    expect(issuePaths(null)).toEqual(['']);
    expect(issuePaths('redis://x')).toEqual(['']);
  });

  it('lists every problem', () => {
    expect(
      issuePaths({ client: {}, channel: '', batchMs: Number.NaN, commandTimeoutMs: -1, onError: 1 }),
    ).toEqual(['batchMs', 'channel', 'client', 'commandTimeoutMs', 'onError']);
    expect(issuePaths({ client, subscriber: {} })).toEqual(['subscriber']);
    expect(issuePaths({ client, subscriber: client })).toEqual(['subscriber']);
    expect(issuePaths({ client, batchMs: 2 ** 31 })).toEqual(['batchMs']);
  });

  it('needs a subscriber when the client cannot be duplicated', () => {
    const publishOnly = { publish: () => Promise.resolve(0) };
    expect(issuePaths({ client: publishOnly })).toEqual(['client']);
    expect(issuePaths({ client: publishOnly, subscriber })).toEqual([]);
  });
});
