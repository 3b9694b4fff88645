// The documented option interfaces (src/config/options.ts) against the zod schemas: the types
// are equal (checked by the compiler: `npm run typecheck`, and in `npm test` by
// options-typecheck.test.ts, which compiles this file), and every option is documented with the
// schema's own default (checked here at run time, from the source of the interfaces).
import { readFileSync } from 'node:fs';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { schemaOptions } from '../../scripts/options-table.js';
import type { AICacheConfigInput, CacheConfigInput, RedisConfigInput } from '../../src/config/index.js';
import type {
  AICacheOptions,
  CacheConfigOptions,
  RedisConfigOptions,
  RedisTlsOptions,
  SizeTiersOptions,
} from '../../src/config/options.js';
import {
  AICacheConfigSchema,
  CacheConfigSchema,
  RedisConfigSchema,
  RedisTlsSchema,
  SizeTiersSchema,
} from '../../src/config/public.js';

// ---- Type level: each interface is exactly the input type of its schema. ----

/** `true` when X and Y are identical types (not merely assignable to each other). */
type Equal<X, Y> = (<T>() => T extends X ? 1 : 2) extends <T>() => T extends Y ? 1 : 2 ? true : false;
/**
 * Every option path of T with its optionality and whether it accepts an explicit `undefined`
 * (`'redis.tls.caPath? | undefined'`). `Equal` alone cannot tell `a?: T` from
 * `a?: T | undefined` under `exactOptionalPropertyTypes`; these strings can.
 */
type Flags<T, P extends string = ''> = T extends object
  ? {
      [K in keyof T & string]-?:
        | `${P}${K}${Record<never, never> extends Pick<T, K> ? '?' : ''}${{ [Q in K]: undefined } extends Pick<T, K> ? ' | undefined' : ''}`
        | Flags<Exclude<T[K], undefined>, `${P}${K}.`>;
    }[keyof T & string]
  : never;
/** `true` when X and Y are identical, optional and `undefined`-accepting fields included. */
type Same<X, Y> = [Equal<X, Y>, Equal<Flags<X>, Flags<Y>>] extends [true, true] ? true : false;
type Expect<T extends true> = T;

// Not exported (a test file exports nothing) and never used: the compiler checks it all the same.
// biome-ignore lint/correctness/noUnusedVariables: a compile-time assertion
type TypeChecks = [
  Expect<Same<AICacheOptions, z.input<typeof AICacheConfigSchema>>>,
  Expect<Same<CacheConfigOptions, z.input<typeof CacheConfigSchema>>>,
  Expect<Same<RedisConfigOptions, z.input<typeof RedisConfigSchema>>>,
  Expect<Same<RedisTlsOptions, z.input<typeof RedisTlsSchema>>>,
  // `sizeTiers` may be left out (the schema has a prefault), hence the `undefined`.
  Expect<Same<SizeTiersOptions | undefined, z.input<typeof SizeTiersSchema>>>,
  // The public `*Input` names are the documented interfaces.
  Expect<Same<AICacheConfigInput, AICacheOptions>>,
  Expect<Same<CacheConfigInput, CacheConfigOptions>>,
  Expect<Same<RedisConfigInput, RedisConfigOptions>>,
];

// ---- Run time: the TSDoc of every option, read from the source of the interfaces. ----

interface DocumentedOption {
  doc: string;
  /** The text of `@defaultValue`, when there is one. */
  defaultValue: string | undefined;
  /** Names of the types the option's type refers to (to descend into nested interfaces). */
  refs: string[];
}

const sourcePath = new URL('../../src/config/options.ts', import.meta.url);
const source = ts.createSourceFile(
  'options.ts',
  readFileSync(sourcePath, 'utf8'),
  ts.ScriptTarget.Latest,
  true,
);

/** The interfaces of options.ts: their bases and their own documented members. */
function readInterfaces(): Map<string, { bases: string[]; members: Map<string, DocumentedOption> }> {
  const interfaces = new Map<string, { bases: string[]; members: Map<string, DocumentedOption> }>();
  for (const statement of source.statements) {
    if (!ts.isInterfaceDeclaration(statement)) continue;
    const bases = (statement.heritageClauses ?? []).flatMap((clause) =>
      clause.types.map((type) => type.expression.getText(source)),
    );
    const members = new Map<string, DocumentedOption>();
    for (const member of statement.members) {
      if (!ts.isPropertySignature(member) || member.type === undefined) continue;
      const jsDoc = ts.getJSDocCommentsAndTags(member).filter(ts.isJSDoc);
      const doc = jsDoc.map((node) => ts.getTextOfJSDocComment(node.comment) ?? '').join(' ');
      const tag = ts.getJSDocTags(member).find((t) => t.tagName.text === 'defaultValue');
      const refs: string[] = [];
      const visit = (node: ts.Node): void => {
        if (ts.isTypeReferenceNode(node)) refs.push(node.typeName.getText(source));
        ts.forEachChild(node, visit);
      };
      visit(member.type);
      members.set(member.name.getText(source), {
        doc: doc.trim(),
        defaultValue: tag ? (ts.getTextOfJSDocComment(tag.comment) ?? '').trim() : undefined,
        refs,
      });
    }
    interfaces.set(statement.name.text, { bases, members });
  }
  return interfaces;
}

const interfaces = readInterfaces();

/** Every option of interface `name` (inherited ones too, own declarations winning), nested ones dotted. */
function documentedOptions(name: string, prefix = ''): Map<string, DocumentedOption> {
  const found = interfaces.get(name);
  if (!found) throw new Error(`options.ts has no interface ${name}`);
  const members = new Map<string, DocumentedOption>();
  for (const base of found.bases) {
    for (const [key, option] of documentedOptions(base)) if (!key.includes('.')) members.set(key, option);
  }
  for (const [key, option] of found.members) members.set(key, option);
  const options = new Map<string, DocumentedOption>();
  for (const [key, option] of members) {
    options.set(`${prefix}${key}`, option);
    for (const ref of option.refs) {
      if (interfaces.has(ref))
        for (const [path, nested] of documentedOptions(ref, `${prefix}${key}.`)) options.set(path, nested);
    }
  }
  return options;
}

/**
 * The value of a `@defaultValue` that starts with a backticked literal (`` `'1h'` ``,
 * `` `{ summarize: '2h' }` ``), or `undefined` when it is prose (`` `compression.threshold` ``).
 */
function literalDefault(text: string | undefined): unknown {
  const match = /^`([^`]*)`/.exec(text ?? '');
  if (!match) return undefined;
  const json = (match[1] as string).replace(/'/g, '"').replace(/([{,]\s*)([A-Za-z_]\w*)\s*:/g, '$1"$2":');
  try {
    return JSON.parse(json);
  } catch {
    return undefined;
  }
}

describe.each([
  { name: 'AICacheOptions', schema: AICacheConfigSchema, schemaName: 'AICacheConfigSchema', defaults: 20 },
  { name: 'CacheConfigOptions', schema: CacheConfigSchema, schemaName: 'CacheConfigSchema', defaults: 15 },
  { name: 'RedisConfigOptions', schema: RedisConfigSchema, schemaName: 'RedisConfigSchema', defaults: 3 },
  { name: 'RedisTlsOptions', schema: RedisTlsSchema, schemaName: 'RedisTlsSchema', defaults: 1 },
  { name: 'SizeTiersOptions', schema: SizeTiersSchema, schemaName: 'SizeTiersSchema', defaults: 2 },
])('$name documents every option of $schemaName', ({ name, schema, defaults }) => {
  const documented = documentedOptions(name);
  const options = schemaOptions(schema);

  it('has the same options as the schema, each with a description', () => {
    expect([...documented.keys()].sort()).toEqual(options.map((o) => o.path).sort());
    expect([...documented].filter(([, o]) => o.doc.length < 10).map(([path]) => path)).toEqual([]);
  });

  it('gives every option that has a default in the schema that default as its @defaultValue', () => {
    const withDefault = options.filter((o) => o.default !== undefined);
    expect(withDefault.length).toBeGreaterThanOrEqual(defaults);
    const wrong = withDefault
      .filter(
        (o) =>
          JSON.stringify(literalDefault(documented.get(o.path)?.defaultValue)) !== JSON.stringify(o.default),
      )
      .map(
        (o) =>
          `${o.path}: @defaultValue ${documented.get(o.path)?.defaultValue}, schema ${JSON.stringify(o.default)}`,
      );
    expect(wrong).toEqual([]);
  });

  it('states a default that is a value only where the schema has that default', () => {
    // Options without a schema default may describe one in prose, or name what the server or
    // client library does (`redis.port`: ioredis' 6379); every other literal must be the schema's.
    const byPath = new Map(options.map((o) => [o.path, o.default]));
    const outside = ['redis.host', 'redis.port', 'redis.db', 'host', 'port', 'db'];
    const contradicting = [...documented]
      .filter(([path, o]) => !outside.includes(path) && literalDefault(o.defaultValue) !== undefined)
      .filter(
        ([path, o]) => JSON.stringify(literalDefault(o.defaultValue)) !== JSON.stringify(byPath.get(path)),
      )
      .map(([path]) => path);
    expect(contradicting).toEqual([]);
  });
});

describe('the AI and generic defaults that differ are documented apart', () => {
  it('compression.threshold: 1000 for AIResponseCache, 1024 for the generic configuration', () => {
    expect(AICacheConfigSchema.parse({}).compression.threshold).toBe(
      literalDefault(documentedOptions('AICacheOptions').get('compression.threshold')?.defaultValue),
    );
    expect(CacheConfigSchema.parse({}).compression.threshold).toBe(
      literalDefault(documentedOptions('CacheConfigOptions').get('compression.threshold')?.defaultValue),
    );
    expect(AICacheConfigSchema.parse({}).compression.threshold).not.toBe(
      CacheConfigSchema.parse({}).compression.threshold,
    );
  });
});
