import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import {
  type CacheKey,
  compileKeyTemplate,
  getHasher,
  type Hasher,
  KeyBuilder,
} from '../../src/keys/index.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

let hasher: Hasher;
beforeAll(async () => {
  hasher = await getHasher();
});

/** The README's key table: first cell -> second cell (both without backticks). */
function keyTable(): Map<string, string> {
  const start = readme.indexOf('### Keys');
  expect(start, 'README has a "Keys" section').toBeGreaterThan(0);
  const section = readme.slice(start, readme.indexOf('\n### ', start + 5));
  const rows = new Map<string, string>();
  for (const line of section.split('\n')) {
    const cells = line.split(' | ');
    if (
      !line.startsWith('| ') ||
      cells.length < 3 ||
      line.startsWith('| you pass') ||
      line.startsWith('|---')
    )
      continue;
    rows.set((cells[0] as string).slice(2), cells[1] as string);
  }
  return rows;
}

describe('README key table', () => {
  it('shows the full keys the key builder builds', () => {
    const root = new KeyBuilder({ prefix: 'app', hasher });
    const tenant = root.child('tenant-a');
    const cases: [string, string][] = [
      ["`'items:books:2'`", root.key('items:books:2')],
      ["`['items', 'books', 2]`", root.key(['items', 'books', 2])],
      ["`['user', 'a:b']`", root.key(['user', 'a:b'])],
      ["`['user:a', 'b']`", root.key(['user:a', 'b'])],
      ['`2`', root.key(2)],
      ['`10n`', root.key(10n)],
      [
        "`'items:{category}:{page}'` + `{ category: 'books', page: 2 }`",
        root.key(compileKeyTemplate('items:{category}:{page}')({ category: 'books', page: 2 })),
      ],
      ["`'secret'` in `namespace('tenant-a')`", tenant.key('secret')],
      ["`'secret'` in `namespace('tenant-a').namespace('users')`", tenant.child('users').key('secret')],
      ["`['tenant-a', 'secret']` at the root", root.key(['tenant-a', 'secret'])],
    ];
    const table = keyTable();
    for (const [input, full] of cases) expect(table.get(input), input).toBe(`\`${full}\``);
    expect(root.key('2')).toBe(root.key(2));
    expect(root.key([2])).toBe(root.key(2));
    const hashed = tenant.key('x'.repeat(300));
    expect(hashed).toMatch(/^app:tenant-a:#:[0-9a-f]{16}$/);
    expect(table.get('a key whose full key exceeds `maxKeyLength`')).toBe('`app:tenant-a:#:<hash>`');
  });

  it('rejects what the last row lists', () => {
    const root = new KeyBuilder({ prefix: 'app', hasher });
    const bad: unknown[] = [
      null,
      undefined,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      true,
      {},
      [],
      [['nested']],
      Symbol('s'),
      () => 1,
      'lone \uD800',
    ];
    for (const key of bad) expect(() => root.key(key as CacheKey)).toThrow(ValidationError);
  });
});
