/**
 * `REDACTED` (main entry): the placeholder every redaction writes in place of a secret, in
 * configuration copies, URLs, printed configurations and builder output.
 */
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CacheConfigBuilder, protectSecrets, REDACTED, redactConfig, redactUrl } from '../../src/index.js';

describe('REDACTED', () => {
  it('is what replaces a URL password, and only a non-empty one', () => {
    expect(redactUrl('redis://user:hunter2@cache:6379/0')).toBe(`redis://user:${REDACTED}@cache:6379/0`);
    expect(redactUrl('rediss://:hunter2@cache')).toBe(`rediss://:${REDACTED}@cache`);
    expect(redactUrl('redis://user:@cache')).toBe('redis://user:@cache');
    expect(redactUrl('redis://cache:6379')).toBe('redis://cache:6379');
  });

  it('is what replaces secret fields (at any depth, any case) in a redacted copy', () => {
    const config = {
      redis: { url: 'redis://:pw12@h', password: 'p4ss', sentinelPassword: 's3nt' },
      openaiApiKey: 'sk-live',
      nested: [{ accessToken: 'tok', clientSecret: 'shh', note: 'plain' }],
      emptyPassword: '',
    };
    const copy = redactConfig(config);
    expect(copy).toEqual({
      redis: { url: `redis://:${REDACTED}@h`, password: REDACTED, sentinelPassword: REDACTED },
      openaiApiKey: REDACTED,
      nested: [{ accessToken: REDACTED, clientSecret: REDACTED, note: 'plain' }],
      emptyPassword: '',
    });
    expect(config.redis.password).toBe('p4ss');
  });

  it('is what a protected configuration prints instead of its secrets, while the values stay readable', () => {
    const config = protectSecrets({ redis: { url: 'redis://:pw12@host', password: 'p4ss' } });
    expect(JSON.parse(JSON.stringify(config))).toEqual({
      redis: { url: `redis://:${REDACTED}@host`, password: REDACTED },
    });
    expect(inspect(config)).toContain(`'${REDACTED}'`);
    expect(inspect(config)).not.toContain('p4ss');
    expect(config.redis.password).toBe('p4ss');
  });

  it("is what CacheConfigBuilder's toJSON() shows for the Redis password", () => {
    const builder = new CacheConfigBuilder().withRedis('redis://admin:pw12@cache:6379', { password: 'p4ss' });
    const json = builder.toJSON() as { redis: { url: string; password: string } };
    expect(json.redis.password).toBe(REDACTED);
    expect(json.redis.url).toBe(`redis://admin:${REDACTED}@cache:6379`);
  });

  it('is a fixed placeholder that names no secret', () => {
    expect(REDACTED).toBe('***');
  });
});
