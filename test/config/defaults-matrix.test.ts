/**
 * Safe defaults, validity: every default stays valid with every valid user choice. For each
 * option of the configuration schemas (enumerated from the schema itself, so a new option is
 * covered without touching this test), each boundary value the schema accepts is set alone
 * (every other option keeps its default) and must validate: each (user choice, default) pair.
 */

import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MAX_TTL_MS } from '../../src/cache/ttl.js';
import { AICacheConfigSchema, CacheConfigSchema } from '../../src/config/public.js';
import { CacheConfigBuilder, createCache, parseConfig } from '../../src/index.js';

interface Node {
  type?: string | string[];
  properties?: Record<string, Node>;
  anyOf?: Node[];
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  exclusiveMinimum?: number;
  maximum?: number;
  default?: unknown;
}

/** Values a string option accepts (strings have no bounds to enumerate). */
const STRING_VALUES: Record<string, unknown[]> = {
  prefix: ['p', 'a-very-long-prefix-of-an-application'],
  namespace: ['tenant-a'],
  redisUrl: ['redis://127.0.0.1:6379', 'rediss://cache.example.com:6380/2'],
  'redis.url': ['redis://127.0.0.1:6379', 'rediss://user:secret@cache.example.com:6380/2'],
  'redis.host': ['127.0.0.1', 'cache.example.com'],
  'redis.username': ['app'],
  'redis.password': ['secret'],
  'redis.keyPrefix': ['', 'app:'],
  'redis.tls.caPath': ['/etc/ssl/ca.pem'],
  'redis.tls.certPath': ['/etc/ssl/client.pem'],
  'redis.tls.keyPath': ['/etc/ssl/client.key'],
};

/** Boundary values of one leaf option, from its JSON schema. */
function candidates(path: string, node: Node): unknown[] {
  if (path in STRING_VALUES) return STRING_VALUES[path] as unknown[];
  const types = Array.isArray(node.type) ? node.type : [node.type];
  if (node.enum) return node.enum;
  if (types.includes('number') && types.includes('string')) {
    // A TTL: the smallest, a unit string, the largest.
    return [1, 999, 1000, '1ms', '30s', MAX_TTL_MS];
  }
  if (types.includes('integer') || types.includes('number')) {
    const min = node.minimum ?? (node.exclusiveMinimum === undefined ? 0 : node.exclusiveMinimum + 1);
    const max = node.maximum ?? Number.MAX_SAFE_INTEGER;
    return [...new Set([min, min + 1, node.default, max - 1, max].filter((v) => v !== undefined))];
  }
  if (types.includes('boolean')) return [true, false];
  throw new Error(`no candidate values for option ${path}: add them to STRING_VALUES`);
}

/** `{ a: { b: value } }` for path `a.b`. */
function nested(path: string, value: unknown): Record<string, unknown> {
  return path
    .split('.')
    .reverse()
    .reduce<unknown>((inner, segment) => ({ [segment]: inner }), value) as Record<string, unknown>;
}

/** Every `[path, value]` a user may set alone, nested options included. */
function userChoices(schema: z.ZodType): [string, unknown][] {
  const root = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Node;
  const choices: [string, unknown][] = [];
  const walk = (node: Node, prefix: string) => {
    const object = node.properties ? node : node.anyOf?.find((option) => option.properties);
    for (const [name, child] of Object.entries(object?.properties ?? {})) {
      const path = prefix ? `${prefix}.${name}` : name;
      const inner = child.properties ? child : child.anyOf?.find((option) => option.properties);
      if (name === 'operationTtls') {
        for (const ttl of candidates(path, { type: ['number', 'string'] }))
          choices.push([`${path}.summarize`, ttl]);
        choices.push([path, {}]);
      } else if (inner) {
        if (child.anyOf?.some((option) => option.const === false)) choices.push([path, false]);
        choices.push([path, {}]);
        walk(inner, path);
      } else {
        for (const value of candidates(path, child)) choices.push([path, value]);
      }
    }
  };
  walk(root, '');
  return choices;
}

describe('every default stays valid with every valid user choice', () => {
  it('the builder chain of issue 12 validates: l1.maxEntryBytes follows maxBytes', () => {
    const builder = new CacheConfigBuilder().withMemoryCache({ maxEntries: 50, maxBytes: 1_000_000 });
    expect(builder.validate()).toMatchObject({ isValid: true, errors: [] });
    expect(builder.build().l1).toMatchObject({
      maxEntries: 50,
      maxBytes: 1_000_000,
      maxEntryBytes: 1_000_000,
    });
  });

  it('an explicit maxEntryBytes above maxBytes is still an error (the user chose both)', () => {
    const result = new CacheConfigBuilder()
      .withMemoryCache({ maxBytes: 1000, maxEntryBytes: 2000 })
      .validate();
    expect(result.errors.map((issue) => issue.path)).toEqual(['l1.maxEntryBytes']);
  });

  for (const [name, schema] of [
    ['AICacheConfigSchema', AICacheConfigSchema],
    ['CacheConfigSchema', CacheConfigSchema],
  ] as const) {
    it(`${name}: each option alone, at each boundary value, validates with the other defaults`, () => {
      const choices = userChoices(schema);
      // The enumeration reaches the nested options too.
      expect(choices.map(([path]) => path)).toEqual(
        expect.arrayContaining([
          'l1.maxBytes',
          'l1.maxEntryBytes',
          'compression.level',
          'redis.tls.rejectUnauthorized',
        ]),
      );
      const failures = choices.flatMap(([path, value]) => {
        const result = schema.safeParse(nested(path, value));
        return result.success
          ? []
          : [
              `${path} = ${JSON.stringify(value)}: ${result.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`,
            ];
      });
      expect(failures).toEqual([]);
    });
  }

  it('the defaults that follow another option follow it at both ends', () => {
    const parse = (input: unknown) => parseConfig(AICacheConfigSchema, input);
    expect(parse({ l1: { maxBytes: 1 } }).l1).toMatchObject({ maxBytes: 1, maxEntryBytes: 1 });
    expect(parse({ l1: { maxBytes: 64 * 1024 * 1024 } }).l1).toMatchObject({ maxEntryBytes: 1024 * 1024 });
    expect(parse({ sizeTiers: { small: 50_000 } }).sizeTiers).toEqual({ small: 50_000, medium: 50_001 });
    expect(parse({ sizeTiers: { medium: 2 } }).sizeTiers).toEqual({ small: 1, medium: 2 });
    expect(parse({}).sizeTiers).toEqual({ small: 1000, medium: 10_000 });
  });

  it('createCache accepts each L1 bound alone (maxEntryBytes follows maxBytes at runtime too)', async () => {
    for (const l1 of [{ maxBytes: 1 }, { maxEntries: 1 }, { maxEntryBytes: 1 }, { maxBytes: 2000 }]) {
      const cache = createCache({ l1 });
      await cache.set('k', 'v');
      await cache.close();
    }
    const small = createCache({ l1: { maxBytes: 2000 } });
    await small.set('fits', 'x'.repeat(100));
    expect((await small.lookup('fits'))?.tier).toBe('l1');
    await small.close();
  });
});
