import { describe, expect, it } from 'vitest';
import { checkConfig, parseConfig } from '../../src/config/index.js';
import { AICacheConfigSchema, CacheConfigSchema } from '../../src/config/public.js';
import { knownKeysAt, levenshtein, suggestKey } from '../../src/config/validate.js';
import { ValidationError } from '../../src/errors.js';

function issuesOf(fn: () => unknown): { path: string; message: string }[] {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return [...(error as ValidationError).issues];
  }
  throw new Error('expected a ValidationError');
}

describe('parseConfig', () => {
  it('returns the resolved config', () => {
    expect(parseConfig(AICacheConfigSchema, { prefix: 'app' }).prefix).toBe('app');
    expect(parseConfig(CacheConfigSchema, {}).prefix).toBe('cache');
  });

  it('reports every problem at once with dotted paths', () => {
    const issues = issuesOf(() =>
      parseConfig(AICacheConfigSchema, {
        ttl: 'forever',
        l1: { maxEntries: -5 },
        compression: { level: 42 },
        redis: { port: 70_000 },
      }),
    );
    expect(issues.map((i) => i.path).sort()).toEqual([
      'compression.level',
      'l1.maxEntries',
      'redis.port',
      'ttl',
    ]);
    for (const issue of issues) expect(issue.message).not.toBe('');
  });

  it('lists the problems in the error message and names the source', () => {
    try {
      parseConfig(
        AICacheConfigSchema,
        { maxTextLength: 0, hashAllText: 'yes' },
        { source: 'config/cache.json' },
      );
      expect.unreachable();
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain('config/cache.json');
      expect(message).toContain('2 problems');
      expect(message).toContain('maxTextLength');
      expect(message).toContain('hashAllText');
    }
  });

  it('suggests the closest key for a top-level typo', () => {
    const [issue, ...rest] = issuesOf(() => parseConfig(AICacheConfigSchema, { textHashThresold: 10 }));
    expect(rest).toEqual([]);
    expect(issue?.path).toBe('textHashThresold');
    expect(issue?.message).toContain("did you mean 'textHashThreshold'?");
  });

  it('suggests case-insensitive matches', () => {
    const [issue] = issuesOf(() => parseConfig(AICacheConfigSchema, { HASHALLTEXT: true }));
    expect(issue?.message).toContain("did you mean 'hashAllText'?");
  });

  it('suggests keys of nested objects, unions included', () => {
    const issues = issuesOf(() =>
      parseConfig(AICacheConfigSchema, {
        l1: { maxEntrys: 10 },
        redis: { pasword: 'x', tls: { certPth: '/x' } },
        compression: { codex: 'lz4' },
        sizeTiers: { smal: 3 },
      }),
    );
    const byPath = Object.fromEntries(issues.map((i) => [i.path, i.message]));
    expect(byPath['l1.maxEntrys']).toContain("'maxEntries'");
    expect(byPath['redis.pasword']).toContain("'password'");
    expect(byPath['redis.tls.certPth']).toContain("'certPath'");
    expect(byPath['compression.codex']).toContain("'codec'");
    expect(byPath['sizeTiers.smal']).toContain("'small'");
    expect(issues).toHaveLength(5);
  });

  it('reports one issue per unknown key and no hint when nothing is close', () => {
    const issues = issuesOf(() => parseConfig(CacheConfigSchema, { completelyUnrelated: 1, zzz: 2 }));
    expect(issues.map((i) => i.path).sort()).toEqual(['completelyUnrelated', 'zzz']);
    for (const issue of issues) expect(issue.message).not.toContain('did you mean');
  });

  it('never echoes a password from an invalid URL or elsewhere', () => {
    const secret = 'hunter2-very-secret';
    try {
      parseConfig(AICacheConfigSchema, {
        redisUrl: `http://admin:${secret}@cache.example.com`,
        redis: { password: secret, port: secret },
      });
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).not.toContain(secret);
      expect(JSON.stringify((error as ValidationError).issues)).not.toContain(secret);
      expect(JSON.stringify((error as ValidationError).context)).not.toContain(secret);
    }
  });
});

describe('checkConfig', () => {
  it('does not throw and lists errors', () => {
    const result = checkConfig(AICacheConfigSchema, { ttl: 0, prefix: '' });
    expect(result.isValid).toBe(false);
    expect(result.errors.map((e) => e.path).sort()).toEqual(['prefix', 'ttl']);
  });

  it('is valid without warnings for a local setup', () => {
    const result = checkConfig(AICacheConfigSchema, { redisUrl: 'redis://127.0.0.1:6379' });
    expect(result).toEqual({ isValid: true, errors: [], warnings: [] });
  });

  it.each([
    [{ redis: { url: 'redis://cache.prod.internal:6379' } }, 'without TLS'],
    [{ redis: { host: '10.0.0.5' } }, 'without TLS'],
    [{ redisUrl: 'redis://user:pw@127.0.0.1:6379' }, 'password over a non-TLS'],
    [{ redisUrl: 'redis://localhost:6379', l1: false }, 'l1 is disabled'],
    [{ redis: { url: 'rediss://cache:6380', tls: { rejectUnauthorized: false } } }, 'not verified'],
    [{ failOnConnectionError: true }, 'outage'],
    [{ compression: { threshold: 8 } }, 'very low'],
    [{ compression: { threshold: 8 * 1024 * 1024 } }, 'very high'],
    [{ redisUrl: 'redis://localhost:6379', compression: { codec: 'none' } }, "'none'"],
    [{ compressionThreshold: 100, compression: { threshold: 200 } }, 'overrides'],
    [{ redis: { db: 1 } }, 'neither url nor host'],
    [{ redisUrl: 'rediss://cache.prod:6380' }, 'hashAllText'],
    [{ ttl: '1m', l1: { ttl: '1h' } }, 'l1.ttl'],
    [{ redis: { url: 'redis://127.0.0.1', password: '***' } }, 'placeholder'],
  ])('warns about %j', (input, fragment) => {
    const result = checkConfig(AICacheConfigSchema, input);
    expect(result.isValid).toBe(true);
    expect(result.warnings.join('\n')).toContain(fragment);
  });

  it('does not warn about TLS for rediss:// to a remote host with hashAllText', () => {
    const result = checkConfig(AICacheConfigSchema, {
      redisUrl: 'rediss://cache.prod:6380',
      hashAllText: true,
    });
    expect(result.warnings).toEqual([]);
  });
});

describe('helpers', () => {
  it('computes Levenshtein distances', () => {
    expect(levenshtein('kitten', 'sitting')).toBe(3);
    expect(levenshtein('', 'abc')).toBe(3);
    expect(levenshtein('same', 'same')).toBe(0);
  });

  it('suggests within distance 3 only', () => {
    expect(suggestKey('prefx', ['prefix', 'ttl'])).toBe('prefix');
    expect(suggestKey('abcdefgh', ['prefix', 'ttl'])).toBeUndefined();
  });

  it('finds the known keys at a path', () => {
    expect(knownKeysAt(AICacheConfigSchema, ['redis', 'tls']).sort()).toEqual([
      'caPath',
      'certPath',
      'keyPath',
      'rejectUnauthorized',
    ]);
    expect(knownKeysAt(AICacheConfigSchema, [])).toContain('textHashThreshold');
    expect(knownKeysAt(AICacheConfigSchema, ['nope'])).toEqual([]);
  });
});
