import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import {
  type CacheKey,
  compileKeyTemplate,
  escapeKeyPart,
  getHasher,
  type Hasher,
  KeyBuilder,
  normalizeCacheKey,
} from '../../src/keys/index.js';

let hasher: Hasher;
beforeAll(async () => {
  hasher = await getHasher();
});

const utf8 = (s: string): number => Buffer.byteLength(s, 'utf8');

/** Strings biased towards characters that escaping and the namespace markers must handle. */
const trickyString = fc.string({
  unit: fc.constantFrom('a', 'b', ':', '%', '3', 'A', '#', '*', '{', '}', '\\', '\n', ' ', 'é', '🙂'),
  maxLength: 12,
});

/** A string part that is not a lone surrogate anywhere (string keys must be well-formed). */
const wellFormed = fc.oneof(trickyString, fc.string(), fc.string({ unit: 'grapheme' }));

const partArb = fc.oneof(wellFormed, fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }));

function issuesOf(fn: () => unknown): { path: string; message: string }[] {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return [...(error as ValidationError).issues];
  }
  throw new Error('expected a ValidationError');
}

/** Splits a full key into (namespace names, kind, key section), as the README describes. */
function parseFullKey(
  full: string,
  prefix: string,
): { ns: string[]; kind: 'verbatim' | 'hashed'; rest: string } {
  expect(full.startsWith(`${prefix}:`)).toBe(true);
  let rest = full.slice(prefix.length + 1);
  const ns: string[] = [];
  for (;;) {
    if (rest.startsWith(':')) return { ns, kind: 'verbatim', rest: rest.slice(1) };
    if (rest.startsWith('#:')) return { ns, kind: 'hashed', rest: rest.slice(2) };
    const end = rest.indexOf(':');
    expect(end).toBeGreaterThan(0);
    ns.push(rest.slice(0, end));
    rest = rest.slice(end + 1);
  }
}

describe('escapeKeyPart', () => {
  it('escapes the separator, the escape character and braces; keeps everything else', () => {
    expect(escapeKeyPart('plain key-1_2.3 é 🙂 #*?[]\\')).toBe('plain key-1_2.3 é 🙂 #*?[]\\');
    expect(escapeKeyPart('a:b')).toBe('a%3Ab');
    expect(escapeKeyPart('100%')).toBe('100%25');
    expect(escapeKeyPart('{tag}')).toBe('%7Btag%7D');
    expect(escapeKeyPart('\uD800x\uDFFF')).toBe('%uD800x%uDFFF');
    expect(escapeKeyPart('\uD83D\uDE42')).toBe('🙂');
  });

  it('returns the same string when nothing needs escaping', () => {
    const s = 'nothing-to-escape';
    expect(escapeKeyPart(s)).toBe(s);
  });

  it('is injective and never outputs ":" or braces', () => {
    for (const arb of [fc.string(), fc.string({ unit: 'binary' }), trickyString]) {
      fc.assert(
        fc.property(arb, arb, (a, b) => {
          const ea = escapeKeyPart(a);
          expect(ea).not.toMatch(/[:{}]/);
          if (a !== b) expect(ea).not.toBe(escapeKeyPart(b));
        }),
        { numRuns: 300 },
      );
    }
  });

  it('gives well-formed UTF-16 (distinct parts stay distinct as UTF-8 bytes)', () => {
    const withSurrogates = fc.string({ unit: fc.constantFrom('a', '\uD800', '\uDC00', '%', 'u', 'D') });
    fc.assert(
      fc.property(withSurrogates, withSurrogates, (a, b) => {
        fc.pre(a !== b);
        expect(Buffer.from(escapeKeyPart(a)).equals(Buffer.from(escapeKeyPart(b)))).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});

describe('key rules (normalizeCacheKey)', () => {
  it('uses a string key verbatim', () => {
    for (const s of ['items:books:2', '', 'a%3Ab', '#:abc', ':', '{user42}:profile', 'é🙂', 'x\u0000y']) {
      expect(normalizeCacheKey(s)).toBe(s);
    }
  });

  it('makes a number its decimal string, so 1 and "1" are one key', () => {
    expect(normalizeCacheKey(1)).toBe('1');
    expect(normalizeCacheKey(-0)).toBe('0');
    expect(normalizeCacheKey(1.5)).toBe('1.5');
    expect(normalizeCacheKey(10n)).toBe('10');
    expect(normalizeCacheKey(['page', 2, 3n])).toBe('page:2:3');
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (n) => {
        expect(normalizeCacheKey(n)).toBe(String(n));
      }),
    );
  });

  it('makes an array of plain parts the string it spells', () => {
    expect(normalizeCacheKey(['items', 'books', '2'])).toBe('items:books:2');
    expect(normalizeCacheKey(['items'])).toBe('items');
    const plain = fc.string({ unit: fc.constantFrom('a', 'b', '1', '-', '#', ' ', '*', 'é') });
    fc.assert(
      fc.property(fc.array(plain, { minLength: 1, maxLength: 5 }), (parts) => {
        expect(normalizeCacheKey(parts)).toBe(parts.join(':'));
      }),
    );
  });

  it('never lets two different arrays collide', () => {
    const arrayArb = fc.array(partArb, { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(arrayArb, arrayArb, (a, b) => {
        const sa = a.map(String);
        const sb = b.map(String);
        fc.pre(sa.length !== sb.length || sa.some((p, i) => p !== sb[i]));
        expect(normalizeCacheKey(a)).not.toBe(normalizeCacheKey(b));
      }),
      { numRuns: 2000 },
    );
  });

  it('agrees with key templates: a rendered template is the key of the array of its parts', () => {
    const render = compileKeyTemplate('items:{category}:{page}');
    fc.assert(
      fc.property(wellFormed, fc.integer(), (category, page) => {
        expect(normalizeCacheKey(render({ category, page }))).toBe(
          normalizeCacheKey(['items', category, page]),
        );
      }),
    );
  });

  it('rejects every other type with a ValidationError naming the key, never its value', () => {
    const bad: [unknown, string][] = [
      [null, 'null'],
      [undefined, 'undefined'],
      [Number.NaN, 'NaN'],
      [Number.POSITIVE_INFINITY, 'Infinity'],
      [Number.NEGATIVE_INFINITY, '-Infinity'],
      [true, 'a boolean'],
      [{ tenant: 'secret-a' }, 'an object'],
      [Symbol('s'), 'a symbol'],
      [() => 1, 'a function'],
      [new Date(0), 'an object'],
    ];
    for (const [key, got] of bad) {
      const issues = issuesOf(() => normalizeCacheKey(key as CacheKey));
      expect(issues).toEqual([{ path: 'key', message: expect.stringContaining(`(got ${got})`) }]);
      expect(JSON.stringify(issues)).not.toContain('secret');
    }
    expect(issuesOf(() => normalizeCacheKey([]))).toEqual([{ path: 'key', message: expect.any(String) }]);
    expect(
      issuesOf(() => normalizeCacheKey(['ok', null, 1, { a: 1 }, Number.NaN, ['x']] as unknown as CacheKey)),
    ).toEqual([
      { path: 'key.1', message: expect.stringContaining('null') },
      { path: 'key.3', message: expect.stringContaining('an object') },
      { path: 'key.4', message: expect.stringContaining('NaN') },
      { path: 'key.5', message: expect.stringContaining('an array') },
    ]);
    // Lone surrogates would all become U+FFFD in UTF-8: two string keys would share a Redis key.
    expect(issuesOf(() => normalizeCacheKey('a\uD800'))[0]?.path).toBe('key');
    expect(normalizeCacheKey(['a\uD800'])).toBe('a%uD800');
  });
});

describe('KeyBuilder', () => {
  it('builds prefix:ns...::key and nests namespaces', () => {
    const root = new KeyBuilder({ prefix: 'app', hasher });
    expect(root.key('user')).toBe('app::user');
    expect(root.key('items:books:2')).toBe('app::items:books:2');
    expect(root.key(['items', 'books', 2])).toBe('app::items:books:2');
    expect(root.prefixFor()).toBe('app:');
    const users = root.child('users');
    expect(users.key('42')).toBe('app:users::42');
    expect(users.key(42)).toBe('app:users::42');
    expect(users.prefixFor()).toBe('app:users:');
    const sessions = users.child('sessions');
    expect(sessions.key(['a:b', 'c'])).toBe('app:users:sessions::a%3Ab:c');
    expect(sessions.namespace).toEqual(['users', 'sessions']);
    expect(sessions.prefix).toBe('app');
    expect(new KeyBuilder({ prefix: 'app', namespace: ['x', 'y'], hasher }).key('k')).toBe('app:x:y::k');
    expect(root.namespace).toEqual([]);
  });

  it('keeps namespaces apart: no root key, array key or hashed key reaches into a namespace', () => {
    const root = new KeyBuilder({ prefix: 'app', hasher });
    const tenant = root.child('tenant-a');
    expect(root.key(['tenant-a', 'secret'])).not.toBe(tenant.key('secret'));
    expect(root.key('tenant-a::secret')).not.toBe(tenant.key('secret'));
    expect(root.key(':tenant-a::secret')).not.toBe(tenant.key('secret'));
    const keyArb = fc.oneof(wellFormed, fc.array(partArb, { minLength: 1, maxLength: 3 }));
    fc.assert(
      fc.property(keyArb, (k) => {
        expect(root.key(k as CacheKey).startsWith(tenant.prefixFor())).toBe(false);
        expect(tenant.key(k as CacheKey).startsWith(tenant.prefixFor())).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('is injective across (namespace path, key) pairs, and every full key parses back', () => {
    const nsName = fc.constantFrom('a', 'b', 'ab', 'tenant-a', '{t}', 'x.y');
    const nsPath = fc.array(nsName, { maxLength: 3 });
    const keyArb = fc.oneof(
      wellFormed,
      fc.array(partArb, { minLength: 1, maxLength: 3 }),
      fc.integer(),
      fc.string({ minLength: 60, maxLength: 90 }),
    );
    const builders = new Map<string, KeyBuilder>();
    const builder = (path: string[]): KeyBuilder => {
      const id = path.join('/');
      let kb = builders.get(id);
      if (!kb) {
        kb = new KeyBuilder({ prefix: 'p', namespace: path, maxKeyLength: 80, hasher });
        builders.set(id, kb);
      }
      return kb;
    };
    fc.assert(
      fc.property(nsPath, keyArb, nsPath, keyArb, (na, ka, nb, kb) => {
        const sameNs = na.join('/') === nb.join('/');
        const sameKey = normalizeCacheKey(ka as CacheKey) === normalizeCacheKey(kb as CacheKey);
        const fa = builder(na).key(ka as CacheKey);
        const fb = builder(nb).key(kb as CacheKey);
        expect(fa === fb).toBe(sameNs && sameKey);
        const parsed = parseFullKey(fa, 'p');
        expect(parsed.ns).toEqual(na);
        if (parsed.kind === 'verbatim') expect(parsed.rest).toBe(normalizeCacheKey(ka as CacheKey));
        else expect(parsed.rest).toBe(hasher.hash(normalizeCacheKey(ka as CacheKey)));
        // clear() of a namespace is a prefix: it covers exactly that namespace and its children.
        const covers = fa.startsWith(builder(nb).prefixFor());
        expect(covers).toBe(na.length >= nb.length && nb.every((n, i) => na[i] === n));
      }),
      { numRuns: 3000 },
    );
  });

  it('hashes keys that would exceed maxKeyLength, under a marker no verbatim key can produce', () => {
    const keys = new KeyBuilder({ prefix: 'app', namespace: ['ns'], maxKeyLength: 40, hasher });
    const short = 'x'.repeat(40 - 'app:ns::'.length);
    expect(keys.key(short)).toBe(`app:ns::${short}`);
    const long = `${short}y`;
    expect(keys.key(long)).toBe(`app:ns:#:${hasher.hash(long)}`);
    // Array escaping counts: 10 colons become 30 characters, plus 9 separators.
    expect(keys.key(Array(10).fill(':'))).toMatch(/^app:ns:#:/);
    expect(keys.key(Array(8).fill(':'))).toBe(`app:ns::${Array(8).fill('%3A').join(':')}`);
    // Length is measured in UTF-8 bytes.
    expect(keys.key('é'.repeat(17))).toMatch(/^app:ns:#:/);
    expect(keys.key('é'.repeat(16))).toBe(`app:ns::${'é'.repeat(16)}`);
    // A verbatim key spelling a hashed one stays verbatim and distinct.
    const hashed = keys.key(long);
    const spelled = hashed.slice('app:ns:'.length);
    expect(keys.key(spelled)).toBe(`app:ns::${spelled}`);
    expect(keys.key(spelled)).not.toBe(hashed);
  });

  it('respects the length bound', () => {
    const keys = new KeyBuilder({ prefix: 'p', namespace: ['n'], maxKeyLength: 48, hasher });
    const keyArb = fc.oneof(wellFormed, fc.string({ minLength: 30, maxLength: 80 }));
    fc.assert(
      fc.property(keyArb, (a) => {
        const ka = keys.key(a);
        expect(utf8(ka)).toBeLessThanOrEqual(48);
        expect(ka.startsWith(keys.prefixFor())).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('rejects invalid keys with a ValidationError, also for memoized string keys', () => {
    const keys = new KeyBuilder({ prefix: 'p', hasher });
    expect(() => keys.key(null as unknown as CacheKey)).toThrow(ValidationError);
    expect(() => keys.key({ tenant: 'a' } as unknown as CacheKey)).toThrow(ValidationError);
    expect(() => keys.key('bad\uDC00')).toThrow(ValidationError);
    expect(() => keys.key('bad\uDC00')).toThrow(ValidationError);
  });

  it('works with sha256', async () => {
    const sha = await getHasher('sha256');
    const keys = new KeyBuilder({ prefix: 'p', maxKeyLength: 80, hasher: sha });
    expect(keys.key('k'.repeat(200))).toMatch(/^p:#:[0-9a-f]{64}$/);
    expect(() => new KeyBuilder({ prefix: 'p', maxKeyLength: 40, hasher: sha })).toThrow(ValidationError);
  });

  it('validates prefix, namespaces and maxKeyLength, listing every problem', () => {
    let error: unknown;
    try {
      new KeyBuilder({ prefix: 'a:b', namespace: ['', 'ok', 'x y', 'star*', '#x'], maxKeyLength: 0, hasher });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => i.path)).toEqual([
      'prefix',
      'namespace.0',
      'namespace.2',
      'namespace.3',
      'namespace.4',
      'maxKeyLength',
    ]);
    expect(() => new KeyBuilder({ prefix: '', hasher })).toThrow(ValidationError);
    expect(() => new KeyBuilder({ prefix: 'p', hasher: {} as Hasher })).toThrow(ValidationError);
    expect(() => new KeyBuilder({ prefix: 'p', maxKeyLength: 10, hasher })).toThrow(/at least 20/);
    const root = new KeyBuilder({ prefix: 'p', hasher });
    expect(() => root.child('a:b')).toThrow(ValidationError);
    expect(() => root.child('')).toThrow(ValidationError);
    expect(() => root.child('tab\there')).toThrow(ValidationError);
    expect(root.child('{tenant}').key('k')).toBe('p:{tenant}::k');
    expect(() => KeyBuilder.validatePart('ok', 'namespace')).not.toThrow();
    expect(() => KeyBuilder.validatePart('a:b', 'namespace')).toThrow(/namespace/);
    expect(() => KeyBuilder.validatePart(3, 'prefix')).toThrow(ValidationError);
  });
});
