// What an editor shows, checked with the TypeScript compiler inside `npm test` (vitest strips
// types without checking them): the type-level assertions of options.test.ts hold, and fail when
// an interface drifts from its schema; and every option of the public entry points carries TSDoc
// on hover.
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const typeTest = `${root}test/config/options.test.ts`;
const optionsFile = `${root}src/config/options.ts`;
const entries = {
  main: `${root}src/index.ts`,
  openai: `${root}src/integrations/openai/index.ts`,
  anthropic: `${root}src/integrations/anthropic/index.ts`,
  aiSdk: `${root}src/integrations/ai-sdk/index.ts`,
  langchain: `${root}src/integrations/langchain/index.ts`,
};

const config = ts.getParsedCommandLineOfConfigFile(
  `${root}tsconfig.json`,
  {},
  {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
      throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
    },
  },
);
if (!config) throw new Error('cannot read tsconfig.json');

let previous: ts.Program | undefined;

/**
 * A program of the type test (and, unmodified, of the entry points too), with `options.ts`
 * replaced by `optionsText`.
 */
function compile(optionsText?: string): ts.Program {
  const host = ts.createCompilerHost(config!.options, true);
  if (optionsText !== undefined) {
    const getSourceFile = host.getSourceFile.bind(host);
    host.getSourceFile = (fileName, language, onError, create) =>
      fileName === optionsFile
        ? ts.createSourceFile(fileName, optionsText, language)
        : getSourceFile(fileName, language, onError, create);
  }
  // Reusing the previous program's parsed files keeps the second compile cheap.
  const roots = optionsText === undefined ? [typeTest, ...Object.values(entries)] : [typeTest];
  previous = ts.createProgram(roots, config!.options, host, previous);
  return previous;
}

/** The errors the compiler reports in `file`, as `line: message`. */
function errorsIn(program: ts.Program, file: string): string[] {
  const source = program.getSourceFile(file);
  if (!source) throw new Error(`not in the program: ${file}`);
  return [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)].map(
    (d) =>
      `${source.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`,
  );
}

/** Replaces `from` (which must occur in options.ts) with `to`. */
function mutated(from: string, to: string): string {
  const text = ts.sys.readFile(optionsFile) ?? '';
  expect(text, `options.ts no longer contains ${from}`).toContain(from);
  return text.replace(from, to);
}

const program = compile();
const checker = program.getTypeChecker();

/** The exported symbol `name` of an entry point. */
function exported(entry: string, name: string): ts.Symbol {
  const module = checker.getSymbolAtLocation(program.getSourceFile(entry) as ts.SourceFile);
  const symbol = module && checker.getExportsOfModule(module).find((s) => s.name === name);
  if (!symbol) throw new Error(`${entry} exports no ${name}`);
  return symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
}

/** Whether options of `type` are ours to descend into (not a client's or a backend's members). */
function ownOptionObject(type: ts.Type): boolean {
  const declaration = type.getSymbol()?.declarations?.[0];
  if (!declaration?.getSourceFile().fileName.startsWith(`${root}src/`)) return false;
  const name = type.getSymbol()?.name ?? '';
  return /Options$|^Ownership$|^__type$/.test(name) && type.getCallSignatures().length === 0;
}

/** Dotted paths of the options of `type` (nested option objects too) that show no TSDoc on hover. */
function undocumented(type: ts.Type, prefix = '', seen = new Set<ts.Type>()): string[] {
  if (seen.has(type)) return [];
  seen.add(type);
  const missing: string[] = [];
  for (const property of checker.getPropertiesOfType(type)) {
    const path = `${prefix}${property.name}`;
    if (ts.displayPartsToString(property.getDocumentationComment(checker)).trim() === '') missing.push(path);
    const propertyType = checker.getNonNullableType(checker.getTypeOfSymbol(property));
    const parts = propertyType.isUnion() ? propertyType.types : [propertyType];
    for (const part of parts)
      if (ownOptionObject(part)) missing.push(...undocumented(part, `${path}.`, seen));
  }
  return missing;
}

/** The type of parameter `index` of the first construct or call signature of `symbol` (or of its method). */
function parameterType(symbol: ts.Symbol, index: number, method?: string): ts.Type {
  const declaration = symbol.valueDeclaration ?? symbol.declarations?.[0];
  if (!declaration) throw new Error(`no declaration: ${symbol.name}`);
  const type = checker.getTypeOfSymbolAtLocation(symbol, declaration);
  const target = method
    ? checker.getTypeOfSymbol(
        checker.getPropertyOfType(checker.getDeclaredTypeOfSymbol(symbol), method) as ts.Symbol,
      )
    : type;
  const signature = method
    ? target.getCallSignatures()[0]
    : [...type.getConstructSignatures(), ...type.getCallSignatures()][0];
  const parameter = signature?.getParameters()[index];
  if (!parameter) throw new Error(`no parameter ${index} of ${symbol.name}${method ? `.${method}` : ''}`);
  return checker.getNonNullableType(checker.getTypeOfSymbol(parameter));
}

describe('the option interfaces, checked by the compiler', { timeout: 60_000 }, () => {
  it('the type test (interface == z.input of its schema) compiles without errors', () => {
    expect(errorsIn(program, typeTest)).toEqual([]);
    expect(errorsIn(program, optionsFile)).toEqual([]);
  });

  it('fails when an interface drifts from its schema: a nested `| undefined` dropped, an option removed', () => {
    const nested = compile(
      mutated('  rejectUnauthorized?: boolean | undefined;', '  rejectUnauthorized?: boolean;'),
    );
    expect(errorsIn(nested, typeTest).join('\n')).toMatch(/does not satisfy the constraint 'true'/);
    const removed = compile(mutated('  promoteLargeToL1?: boolean | undefined;', ''));
    expect(errorsIn(removed, typeTest).join('\n')).toMatch(/does not satisfy the constraint 'true'/);
  });
});

describe('every option shows TSDoc on hover', { timeout: 60_000 }, () => {
  it.each([
    [
      'AICacheConfigInput (AIResponseCache configuration)',
      () => checker.getDeclaredTypeOfSymbol(exported(entries.main, 'AICacheConfigInput')),
    ],
    ['new AIResponseCache(options)', () => parameterType(exported(entries.main, 'AIResponseCache'), 0)],
    ['createCache(options)', () => parameterType(exported(entries.main, 'createCache'), 0)],
    [
      'CacheConfigBuilder.with(partial)',
      () => parameterType(exported(entries.main, 'CacheConfigBuilder'), 0, 'with'),
    ],
    [
      'CacheConfigBuilder.withCompression(options)',
      () => parameterType(exported(entries.main, 'CacheConfigBuilder'), 0, 'withCompression'),
    ],
    [
      'CacheConfigBuilder.withMemoryCache(options)',
      () => parameterType(exported(entries.main, 'CacheConfigBuilder'), 0, 'withMemoryCache'),
    ],
    [
      'CacheConfigBuilder.withAIFeatures(options)',
      () => parameterType(exported(entries.main, 'CacheConfigBuilder'), 0, 'withAIFeatures'),
    ],
    [
      'CacheConfigBuilder.withRedis(url, options)',
      () => parameterType(exported(entries.main, 'CacheConfigBuilder'), 1, 'withRedis'),
    ],
    [
      'CacheConfigBuilder.withSecurity(options)',
      () => parameterType(exported(entries.main, 'CacheConfigBuilder'), 0, 'withSecurity'),
    ],
    [
      'CacheFactory.forWebApp(options)',
      () => parameterType(exported(entries.main, 'CacheFactory'), 0, 'forWebApp'),
    ],
    [
      'CacheFactory.forTesting(options)',
      () => parameterType(exported(entries.main, 'CacheFactory'), 0, 'forTesting'),
    ],
    ['withCache(openai, options)', () => parameterType(exported(entries.openai, 'withCache'), 1)],
    ['withCache(anthropic, options)', () => parameterType(exported(entries.anthropic, 'withCache'), 1)],
    ['cacheMiddleware(ai, options)', () => parameterType(exported(entries.aiSdk, 'cacheMiddleware'), 1)],
    [
      'new LangChainCache(ai, options)',
      () => parameterType(exported(entries.langchain, 'LangChainCache'), 1),
    ],
    [
      'new CachedEmbeddings(embeddings, ai, options)',
      () => parameterType(exported(entries.langchain, 'CachedEmbeddings'), 2),
    ],
  ])('%s', (_name, typeOf) => {
    const type = typeOf();
    const withoutFalse = type.isUnion()
      ? type.types.filter((t) => !(t.flags & ts.TypeFlags.BooleanLiteral))
      : [type];
    const paths = withoutFalse.flatMap((t) => checker.getPropertiesOfType(t).map((p) => p.name));
    expect(paths.length).toBeGreaterThan(2);
    expect(withoutFalse.flatMap((t) => undocumented(t))).toEqual([]);
  });
});
