import { describe, expect, it } from 'vitest';
import { redactConfig, redactUrl } from '../../src/config/index.js';
import { collectSecrets, scrubSecrets } from '../../src/config/redact.js';

describe('redactUrl', () => {
  it.each([
    ['redis://user:secret@host:6379/0', 'redis://user:***@host:6379/0'],
    ['rediss://:secret@host', 'rediss://:***@host'],
    ['redis://host:6379', 'redis://host:6379'],
    ['redis://user@host', 'redis://user@host'],
    [
      'connect to redis://a:b@h failed, retrying redis://c:d@h',
      'connect to redis://a:***@h failed, retrying redis://c:***@h',
    ],
    ['not a url at all', 'not a url at all'],
  ])('%s -> %s', (input, expected) => {
    expect(redactUrl(input)).toBe(expected);
  });
});

describe('redactConfig', () => {
  it('replaces passwords and URL passwords in a deep copy', () => {
    const config = {
      redisUrl: 'redis://u:p4ss@h:1',
      redis: {
        url: 'rediss://default:other-secret@cache:6380',
        password: 'pw',
        tls: { rejectUnauthorized: true },
      },
      list: [{ password: 'x' }, 'redis://a:b@c'],
      ttl: '1h',
    };
    const redacted = redactConfig(config);
    expect(redacted).toEqual({
      redisUrl: 'redis://u:***@h:1',
      redis: { url: 'rediss://default:***@cache:6380', password: '***', tls: { rejectUnauthorized: true } },
      list: [{ password: '***' }, 'redis://a:***@c'],
      ttl: '1h',
    });
    expect(config.redis.password).toBe('pw');
    expect(redacted.redis).not.toBe(config.redis);
  });

  it('keeps non-secret values and empty passwords', () => {
    expect(redactConfig({ password: '', n: 1, flag: false, none: null })).toEqual({
      password: '',
      n: 1,
      flag: false,
      none: null,
    });
  });
});

describe('collectSecrets / scrubSecrets', () => {
  it('collects password fields and URL passwords (decoded too)', () => {
    const secrets = collectSecrets({ redis: { password: 'abcd1234', url: 'redis://u:p%40ss@h' } });
    expect(secrets).toEqual(expect.arrayContaining(['abcd1234', 'p%40ss', 'p@ss']));
  });

  it('scrubs them from messages', () => {
    expect(scrubSecrets('bad value abcd1234 near redis://u:zz@h', ['abcd1234'])).toBe(
      'bad value *** near redis://u:***@h',
    );
  });
});
