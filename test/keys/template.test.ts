import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { compileKeyTemplate, templateParams } from '../../src/keys/index.js';

function issuesOf(fn: () => unknown): { path: string; message: string }[] {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return [...(error as ValidationError).issues];
  }
  throw new Error('expected a ValidationError');
}

describe('key templates', () => {
  it('fills parameters', () => {
    const build = compileKeyTemplate('items:{category}:{page}');
    expect(build({ category: 'books', page: 2 })).toBe('items:books:2');
    expect(build({ category: 'books', page: 2, extra: 'ignored' })).toBe('items:books:2');
    expect(build({ category: true, page: 10n })).toBe('items:true:10');
    expect(build({ category: { b: 1, a: 2 }, page: null })).toBe('items:%7B"a"%3A2,"b"%3A1%7D:null');
    expect(build({ category: '', page: 1 })).toBe('items::1');
    expect(compileKeyTemplate('static')({})).toBe('static');
    expect(compileKeyTemplate('{id}')({ id: 7 })).toBe('7');
    expect(compileKeyTemplate('u:{id}:again:{id}')({ id: 7 })).toBe('u:7:again:7');
  });

  it('lists the parameters', () => {
    expect(templateParams('items:{category}:{page}')).toEqual(['category', 'page']);
    expect(templateParams('a:{x}:{y}:{x}')).toEqual(['x', 'y']);
    expect(templateParams('static')).toEqual([]);
  });

  it('names every missing parameter', () => {
    const build = compileKeyTemplate('items:{category}:{page}:{sort}');
    const issues = issuesOf(() => build({ page: 1 }));
    expect(issues.map((i) => i.path)).toEqual(['category', 'sort']);
    expect(() => build({ page: 1 })).toThrow(/category[\s\S]*sort/);
    expect(
      issuesOf(() => build({ category: () => 1, page: 1, sort: Symbol('x') })).map((i) => i.path),
    ).toEqual(['category', 'sort']);
  });

  it('rejects NaN and infinite numbers, saying what was given (they are not keys)', () => {
    const build = compileKeyTemplate('items:{category}:{page}');
    expect(issuesOf(() => build({ category: Number.NaN, page: Number.POSITIVE_INFINITY }))).toEqual([
      { path: 'category', message: 'NaN cannot be part of a key' },
      { path: 'page', message: 'Infinity cannot be part of a key' },
    ]);
    expect(build({ category: -0, page: 1.5 })).toBe('items:0:1.5');
  });

  it('rejects malformed templates', () => {
    for (const bad of ['', 'a:{', 'a:}', 'a:{}', 'a:{1x}', 'a:{b{c}}', '{a}{b}', '{a}-{b}', 'x:{a b}']) {
      expect(() => compileKeyTemplate(bad), bad).toThrow(ValidationError);
    }
    expect(issuesOf(() => compileKeyTemplate('a:{:}b}')).length).toBeGreaterThanOrEqual(2);
  });

  it('cannot be forged by values containing separators', () => {
    const build = compileKeyTemplate('items:{category}:{page}');
    const forged = build({ category: 'books:2', page: 'x' });
    expect(forged).toBe('items:books%3A2:x');
    expect(forged).not.toBe(build({ category: 'books', page: '2:x' }));
    expect(build({ category: 'a%3Ab', page: 1 })).not.toBe(build({ category: 'a:b', page: 1 }));
    fc.assert(
      fc.property(
        fc.tuple(fc.string(), fc.string()),
        fc.tuple(fc.string(), fc.string()),
        ([a1, b1], [a2, b2]) => {
          fc.pre(a1 !== a2 || b1 !== b2);
          expect(build({ category: a1, page: b1 })).not.toBe(build({ category: a2, page: b2 }));
        },
      ),
      { numRuns: 500 },
    );
    // Biased towards separators and escape characters.
    const tricky = fc.string({ unit: fc.constantFrom('a', ':', '%', '3', 'A', '#', '{', '}') });
    fc.assert(
      fc.property(fc.tuple(tricky, tricky), fc.tuple(tricky, tricky), ([a1, b1], [a2, b2]) => {
        fc.pre(a1 !== a2 || b1 !== b2);
        expect(build({ category: a1, page: b1 })).not.toBe(build({ category: a2, page: b2 }));
      }),
      { numRuns: 500 },
    );
  });
});
