/**
 * The layout rules of scripts/check-layout.mjs (README, "Architecture"): each rule on this
 * repository as its own test, so a failure names the rule and lists its findings; then the
 * checker itself on a small repository made for the test, with one breach of every rule.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without declarations
import { checkLayout, LAYERS, layerOf } from '../scripts/check-layout.mjs';

interface Layout {
  findings: Record<'lines' | 'cycles' | 'layers' | 'mirror' | 'tested', string[]>;
  untested: string[];
}
const check = checkLayout as (root?: string) => Layout;

describe('the layout of src/', () => {
  const { findings } = check();

  it.each([
    ['lines', 'no file over 400 lines, src/cache/cache.ts within 330'],
    ['cycles', 'no runtime import cycle'],
    ['layers', 'no import from a layer above'],
    ['mirror', 'every src/<folder>/ has a test/<folder>/'],
    ['tested', 'every runtime export of the entries is named in a test'],
  ] as const)('%s: %s', (rule, _what) => {
    expect(findings[rule]).toEqual([]);
  });
});

describe('check-layout.mjs', () => {
  const root = mkdtempSync(join(tmpdir(), 'arc-layout-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  write('tsup.config.ts', "export default { entry: { index: 'src/index.ts', cli: 'src/cli/main.ts' } };\n");
  write('src/errors.ts', 'export class BaseError extends Error {}\n');
  // keys -> cache is a layer violation; cache/a <-> cache/b a runtime cycle; cache/c <-> cache/d
  // only through a type import (not a cycle).
  write('src/keys/k.ts', "import { a } from '../cache/a.js';\nexport const k = a;\n");
  write('src/cache/a.ts', "import { b } from './b.js';\nexport const a = 1;\nexport const useB = () => b;\n");
  write('src/cache/b.ts', "import { a } from './a.js';\nexport const b = () => a;\n");
  write('src/cache/c.ts', "import { type D } from './d.js';\nexport const c = 1;\nexport type C = D;\n");
  write('src/cache/d.ts', "import { c } from './c.js';\nexport type D = typeof c;\n");
  write('src/cache/long.ts', `${'export const x = 1;\n'.repeat(401)}`);
  write('src/cache/cache.ts', `${'// line\n'.repeat(331)}`);
  write('src/cli/main.ts', "const lazy = () => import('../keys/k.js');\nexport { lazy };\n");
  write(
    'src/index.ts',
    "export { BaseError } from './errors.js';\nexport { k } from './keys/k.js';\nexport type { C } from './cache/c.js';\nexport function createThing() {}\n",
  );
  write('test/keys/k.test.ts', "import { k, BaseError } from '../../src/index.js';\n");
  write('test/cache/a.test.ts', '// nothing\n');
  const { findings, untested } = check(root);

  it('finds files over their line limit', () => {
    expect(findings.lines).toEqual([
      'src/cache/cache.ts: 331 lines (limit 330)',
      'src/cache/long.ts: 401 lines (limit 400)',
    ]);
  });

  it('finds runtime cycles and ignores type-only ones', () => {
    expect(findings.cycles).toEqual(['cycle: src/cache/a.ts -> src/cache/b.ts -> src/cache/a.ts']);
  });

  it('finds an import from a layer above, and allows imports downwards (also with import())', () => {
    expect(findings.layers).toEqual(['src/keys/k.ts (keys) imports src/cache/a.ts (cache, a layer above)']);
  });

  it('finds a src folder without its test folder', () => {
    expect(findings.mirror).toEqual(['src/cli/ has no test/cli/']);
  });

  it('lists the runtime exports of the entries no test names (types and the CLI apart)', () => {
    expect(untested).toEqual(['src/index.ts: createThing']);
  });

  it('orders the layers as the README says', () => {
    const layer = layerOf as (path: string) => number;
    expect(layer('errors.ts')).toBe(0);
    expect(layer('keys/hash.ts')).toBeLessThan(layer('redis/connection.ts'));
    expect(layer('bus/x.ts')).toBeLessThan(layer('cache/cache.ts'));
    expect(layer('config/x.ts')).toBeLessThan(layer('ai-cache/x.ts'));
    expect(layer('index.ts')).toBeLessThan(layer('benchmark/index.ts'));
    expect(layer('integrations/openai/index.ts')).toBe((LAYERS as string[][]).length - 1);
    expect(layer('unknown/x.ts')).toBe(-1);
  });
});
