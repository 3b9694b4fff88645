import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { escapeKeyPart, getHasher, type Hasher, KeyBuilder } from '../../src/keys/index.js';

let hasher: Hasher;
beforeAll(async () => {
  hasher = await getHasher();
});

const utf8 = (s: string): number => Buffer.byteLength(s, 'utf8');

/** Strings biased towards characters that escaping must handle. */
const trickyString = fc.string({
  unit: fc.constantFrom(
    'a',
    'b',
    ':',
    '%',
    '3',
    'A',
    '#',
    '*',
    '{',
    '\n',
    ' ',
    'é',
    '\uD800',
    '\uDC00',
    '🙂',
  ),
  maxLength: 12,
});

describe('escapeKeyPart', () => {
  it('escapes separators, the escape and hash characters, globs, braces and controls', () => {
    expect(escapeKeyPart('plain key-1_2.3 é 🙂')).toBe('plain key-1_2.3 é 🙂');
    expect(escapeKeyPart('a:b')).toBe('a%3Ab');
    expect(escapeKeyPart('100%')).toBe('100%25');
    expect(escapeKeyPart('#x')).toBe('%23x');
    expect(escapeKeyPart('*?[]\\{}')).toBe('%2A%3F%5B%5D%5C%7B%7D');
    expect(escapeKeyPart('a\nb\u0000\u007f')).toBe('a%0Ab%00%7F');
    expect(escapeKeyPart('\uD800x\uDFFF')).toBe('%uD800x%uDFFF');
    expect(escapeKeyPart('\uD83D\uDE42')).toBe('🙂');
  });

  it('returns the same string when nothing needs escaping', () => {
    const s = 'nothing-to-escape';
    expect(escapeKeyPart(s)).toBe(s);
  });

  it('is injective and never outputs ":" or "#"', () => {
    for (const arb of [fc.string(), fc.string({ unit: 'binary' }), trickyString]) {
      fc.assert(
        fc.property(arb, arb, (a, b) => {
          const ea = escapeKeyPart(a);
          expect(ea).not.toMatch(/[:#]/);
          if (a !== b) expect(ea).not.toBe(escapeKeyPart(b));
        }),
        { numRuns: 300 },
      );
    }
  });

  it('gives well-formed UTF-16 (distinct keys stay distinct as UTF-8 bytes)', () => {
    fc.assert(
      fc.property(trickyString, trickyString, (a, b) => {
        fc.pre(a !== b);
        expect(Buffer.from(escapeKeyPart(a)).equals(Buffer.from(escapeKeyPart(b)))).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});

describe('KeyBuilder', () => {
  it('builds prefix:namespace:key and nests namespaces', () => {
    const root = new KeyBuilder({ prefix: 'app', hasher });
    expect(root.key('user')).toBe('app:user');
    expect(root.prefixFor()).toBe('app:');
    const users = root.child('users');
    expect(users.key('42')).toBe('app:users:42');
    expect(users.prefixFor()).toBe('app:users:');
    const sessions = users.child('sessions');
    expect(sessions.key('a:b')).toBe('app:users:sessions:a%3Ab');
    expect(sessions.namespace).toEqual(['users', 'sessions']);
    expect(sessions.prefix).toBe('app');
    expect(new KeyBuilder({ prefix: 'app', namespace: ['x', 'y'], hasher }).key('k')).toBe('app:x:y:k');
    expect(root.namespace).toEqual([]);
  });

  it('keeps namespaces apart: a root key never falls under a namespace prefix', () => {
    const root = new KeyBuilder({ prefix: 'app', hasher });
    const users = root.child('users');
    const forged = root.key('users:42');
    expect(forged).not.toBe(users.key('42'));
    expect(forged.startsWith(users.prefixFor())).toBe(false);
    fc.assert(
      fc.property(trickyString, (k) => {
        expect(root.key(k).startsWith(users.prefixFor())).toBe(false);
        expect(users.key(k).startsWith(users.prefixFor())).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('hashes key parts that would exceed maxKeyLength', () => {
    const keys = new KeyBuilder({ prefix: 'app', namespace: ['ns'], maxKeyLength: 40, hasher });
    const short = 'x'.repeat(40 - 'app:ns:'.length);
    expect(keys.key(short)).toBe(`app:ns:${short}`);
    const long = `${short}y`;
    expect(keys.key(long)).toBe(`app:ns:#${hasher.hash(long)}`);
    // Escaping counts: 11 colons become 33 characters, exactly the room left.
    expect(keys.key(':'.repeat(11))).toBe(`app:ns:${'%3A'.repeat(11)}`);
    expect(keys.key(':'.repeat(12))).toMatch(/^app:ns:#[0-9a-f]{16}$/);
    // Length is measured in UTF-8 bytes.
    expect(keys.key('é'.repeat(17))).toMatch(/^app:ns:#/);
    expect(keys.key('é'.repeat(16))).toBe(`app:ns:${'é'.repeat(16)}`);
  });

  it('respects the length bound and stays injective (including hashed keys)', () => {
    const keys = new KeyBuilder({ prefix: 'p', namespace: ['n'], maxKeyLength: 48, hasher });
    const keyArb = fc.oneof(
      trickyString,
      fc.string({ minLength: 30, maxLength: 80 }),
      fc.string({ unit: 'binary' }),
    );
    fc.assert(
      fc.property(keyArb, keyArb, (a, b) => {
        const ka = keys.key(a);
        expect(utf8(ka)).toBeLessThanOrEqual(48);
        expect(ka.startsWith(keys.prefixFor())).toBe(true);
        if (a !== b) expect(ka).not.toBe(keys.key(b));
      }),
      { numRuns: 500 },
    );
  });

  it('a literal key can never look like a hashed one', () => {
    const keys = new KeyBuilder({ prefix: 'p', maxKeyLength: 40, hasher });
    const long = 'z'.repeat(100);
    const hashed = keys.key(long);
    const literal = hashed.slice('p:'.length);
    expect(literal.startsWith('#')).toBe(true);
    expect(keys.key(literal)).not.toBe(hashed);
  });

  it('works with sha256', async () => {
    const sha = await getHasher('sha256');
    const keys = new KeyBuilder({ prefix: 'p', maxKeyLength: 80, hasher: sha });
    expect(keys.key('k'.repeat(200))).toMatch(/^p:#[0-9a-f]{64}$/);
    expect(() => new KeyBuilder({ prefix: 'p', maxKeyLength: 40, hasher: sha })).toThrow(ValidationError);
  });

  it('validates prefix, namespaces and maxKeyLength, listing every problem', () => {
    let error: unknown;
    try {
      new KeyBuilder({ prefix: 'a:b', namespace: ['', 'ok', 'x y', 'star*'], maxKeyLength: 0, hasher });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => i.path)).toEqual([
      'prefix',
      'namespace.0',
      'namespace.2',
      'namespace.3',
      'maxKeyLength',
    ]);
    expect(() => new KeyBuilder({ prefix: '', hasher })).toThrow(ValidationError);
    expect(() => new KeyBuilder({ prefix: 'p', hasher: {} as Hasher })).toThrow(ValidationError);
    expect(() => new KeyBuilder({ prefix: 'p', maxKeyLength: 10, hasher })).toThrow(/at least 19/);
    const root = new KeyBuilder({ prefix: 'p', hasher });
    expect(() => root.child('a:b')).toThrow(ValidationError);
    expect(() => root.child('')).toThrow(ValidationError);
    expect(() => root.child('tab\there')).toThrow(ValidationError);
    expect(root.child('{tenant}').key('k')).toBe('p:{tenant}:k');
    expect(() => KeyBuilder.validatePart('ok', 'namespace')).not.toThrow();
    expect(() => KeyBuilder.validatePart('a:b', 'namespace')).toThrow(/namespace/);
    expect(() => KeyBuilder.validatePart(3, 'prefix')).toThrow(ValidationError);
  });
});
