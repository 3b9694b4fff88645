#!/usr/bin/env node
// The layout rules of src/ (README, "Architecture"), checked from the source with the TypeScript
// parser. `node scripts/check-layout.mjs` prints every finding and exits 1 when there is one;
// test/layout.test.ts runs each rule as its own test through checkLayout().
//
//  lines   no file in src/ over 400 lines; src/cache/cache.ts within 330
//  cycles  no import cycle among src modules. Runtime imports only: an import or re-export whose
//          every name is `type` is erased by the build (esbuild drops it even under
//          verbatimModuleSyntax) and is ignored; so are dynamic import()s, which run after every
//          module has been evaluated.
//  layers  no module imports (statically or with import()) from a layer above its own; type-only
//          imports are ignored here too (a type names the shape, not the code)
//  mirror  every folder src/<folder>/ has a test/<folder>/
//  tested  every runtime export of src/index.ts and of each subpath entry (tsup.config.ts) is
//          named in at least one file under test/
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** Line limits. */
export const MAX_LINES = 400;
export const FILE_LIMITS = { 'src/cache/cache.ts': 330 };
/**
 * Files still over MAX_LINES, waiting for their split (issue 12), each with the most lines it may
 * have: they may not grow, and an entry whose file is back within MAX_LINES is a finding (delete
 * it). The list only shrinks.
 */
export const PENDING_SPLITS = {};
/** Exports no test names yet (scripts/untested-exports.json; the list only shrinks). */
export const KNOWN_UNTESTED = new Set(
  JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'untested-exports.json'), 'utf8'))
    .exports,
);

/**
 * The layers, lowest first. A module may import from its own layer and those below. `index.ts`
 * (the main entry) sits above everything it re-exports and below the modules that import the
 * core through it (the benchmark API and the integrations).
 */
export const LAYERS = [
  ['errors.ts', 'warnings.ts'],
  ['keys', 'compression'],
  ['redis'],
  ['backends', 'locks'],
  ['bus'],
  ['cache'],
  ['config'],
  ['ai-cache'],
  ['observability'],
  ['index.ts'],
  ['benchmark'],
  ['integrations', 'cli', 'testing'],
];

const toPosix = (p) => p.split(sep).join('/');

function walk(dir, out = []) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, out);
    else if (entry.name.endsWith('.ts')) out.push(path);
  }
  return out;
}

/** The first path part under src/ (`cache` for src/cache/l1.ts, `errors.ts` for src/errors.ts). */
export function unitOf(srcRelative) {
  return srcRelative.split('/')[0];
}

/** Layer index of a src-relative path, or -1 when no layer names it. */
export function layerOf(srcRelative) {
  const unit = unitOf(srcRelative);
  return LAYERS.findIndex((layer) => layer.includes(unit));
}

function resolveRelative(fromFile, specifier) {
  if (!specifier.startsWith('.')) return undefined;
  const base = resolve(dirname(fromFile), specifier);
  const candidates = [
    base.replace(/\.js$/, '.ts'),
    base.replace(/\.mjs$/, '.mts'),
    join(base, 'index.ts'),
    base,
  ];
  return candidates.find((c) => existsSync(c) && statSync(c).isFile());
}

function hasExportModifier(node) {
  return (
    ts.canHaveModifiers(node) &&
    (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword)
  );
}

/**
 * The imports of one file: `{ specifier, kind }` with kind 'static' (runtime), 'type' (erased)
 * or 'dynamic' (import()); and its runtime export names (`star` lists `export *` specifiers).
 */
export function parseModule(file) {
  const text = readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const imports = [];
  const exports = [];
  const star = [];
  for (const node of source.statements) {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      let runtime = true;
      if (clause?.isTypeOnly) runtime = false;
      else if (clause && !clause.name && clause.namedBindings && ts.isNamedImports(clause.namedBindings)) {
        const elements = clause.namedBindings.elements;
        runtime = elements.length === 0 || elements.some((e) => !e.isTypeOnly);
      }
      imports.push({ specifier: node.moduleSpecifier.text, kind: runtime ? 'static' : 'type' });
    } else if (ts.isExportDeclaration(node)) {
      const spec =
        node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)
          ? node.moduleSpecifier.text
          : undefined;
      const clause = node.exportClause;
      let runtime = !node.isTypeOnly;
      if (runtime && clause && ts.isNamedExports(clause)) {
        const values = clause.elements.filter((e) => !e.isTypeOnly);
        runtime = values.length > 0;
        exports.push(...values.map((e) => e.name.text));
      }
      if (runtime && !clause && spec) star.push(spec);
      if (runtime && clause && ts.isNamespaceExport(clause)) exports.push(clause.name.text);
      if (spec) imports.push({ specifier: spec, kind: runtime ? 'static' : 'type' });
    } else if (hasExportModifier(node)) {
      if (ts.isFunctionDeclaration(node) || ts.isClassDeclaration(node) || ts.isEnumDeclaration(node)) {
        if (
          node.name &&
          !(ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.DeclareKeyword)
        ) {
          exports.push(node.name.text);
        }
      } else if (ts.isVariableStatement(node)) {
        for (const d of node.declarationList.declarations)
          if (ts.isIdentifier(d.name)) exports.push(d.name.text);
      }
    }
  }
  const visit = (node) => {
    if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      imports.push({ specifier: node.arguments[0].text, kind: 'dynamic' });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return { lines: text.split('\n').length - (text.endsWith('\n') ? 1 : 0), imports, exports, star };
}

/** The library entries: src/index.ts and the subpath entries of tsup.config.ts (not the CLI). */
export function entryFiles(root) {
  const config = readFileSync(join(root, 'tsup.config.ts'), 'utf8');
  const entries = new Set(['src/index.ts']);
  for (const match of config.matchAll(/(['"]?)([\w-]+)\1:\s*'(src\/[^']+\.ts)'/g)) {
    if (match[2] !== 'cli') entries.add(match[3]);
  }
  return [...entries];
}

function findCycles(graph) {
  // Tarjan's strongly connected components; every component of more than one module (or a
  // module importing itself) is a cycle.
  let index = 0;
  const stack = [];
  const state = new Map();
  const cycles = [];
  const strong = (v) => {
    state.set(v, { index, low: index, onStack: true });
    index++;
    stack.push(v);
    for (const w of graph.get(v) ?? []) {
      if (!state.has(w)) {
        strong(w);
        state.get(v).low = Math.min(state.get(v).low, state.get(w).low);
      } else if (state.get(w).onStack) {
        state.get(v).low = Math.min(state.get(v).low, state.get(w).index);
      }
    }
    if (state.get(v).low === state.get(v).index) {
      const component = [];
      let w;
      do {
        w = stack.pop();
        state.get(w).onStack = false;
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(component.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!state.has(v)) strong(v);
  return cycles;
}

/** One path around a cycle (its modules, in import order), for the message. */
function cyclePath(graph, component) {
  const members = new Set(component);
  const start = component[0];
  const seen = new Map([[start, undefined]]);
  const queue = [start];
  while (queue.length > 0) {
    const v = queue.shift();
    for (const w of graph.get(v) ?? []) {
      if (w === start) {
        const path = [v];
        for (let p = seen.get(v); p !== undefined; p = seen.get(p)) path.unshift(p);
        return [...path, start];
      }
      if (members.has(w) && !seen.has(w)) {
        seen.set(w, v);
        queue.push(w);
      }
    }
  }
  return component;
}

/**
 * Checks the layout of the repository at `root`.
 *
 * @returns findings by rule (`lines`, `cycles`, `layers`, `mirror`, `tested`), each a list of
 *   messages (empty when the rule holds), and `untested`, the exported names no test names.
 */
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Checks the layout of the repository at `root`. PENDING_SPLITS and KNOWN_UNTESTED are this
 * repository's own lists: they apply to it only (another root is checked strictly).
 */
export function checkLayout(root = REPO_ROOT) {
  const own = resolve(root) === REPO_ROOT;
  const pendingSplits = own ? PENDING_SPLITS : {};
  const knownUntested = own ? KNOWN_UNTESTED : new Set();
  const src = join(root, 'src');
  const files = walk(src).sort();
  const modules = new Map(files.map((f) => [toPosix(relative(src, f)), parseModule(f)]));
  const findings = { lines: [], cycles: [], layers: [], mirror: [], tested: [] };

  const pending = [];
  for (const [path, info] of modules) {
    const ceiling = pendingSplits[`src/${path}`];
    const limit = ceiling ?? FILE_LIMITS[`src/${path}`] ?? MAX_LINES;
    if (info.lines > limit) findings.lines.push(`src/${path}: ${info.lines} lines (limit ${limit})`);
    else if (ceiling !== undefined && info.lines <= MAX_LINES) {
      findings.lines.push(
        `src/${path}: ${info.lines} lines, within ${MAX_LINES}: remove it from PENDING_SPLITS`,
      );
    } else if (ceiling !== undefined) pending.push(`src/${path}: ${info.lines} lines, split pending`);
  }
  for (const path of Object.keys(pendingSplits)) {
    if (!modules.has(path.replace(/^src\//, '')))
      findings.lines.push(`${path}: no such file: remove it from PENDING_SPLITS`);
  }

  const graph = new Map();
  for (const [path, info] of modules) {
    const runtime = [];
    for (const imp of info.imports) {
      const target = resolveRelative(join(src, path), imp.specifier);
      if (target === undefined || !target.startsWith(src + sep)) continue;
      const to = toPosix(relative(src, target));
      if (imp.kind === 'static') runtime.push(to);
      if (imp.kind === 'type') continue;
      const from = layerOf(path);
      const into = layerOf(to);
      if (from === -1) findings.layers.push(`src/${path}: its folder is in no layer (add it to LAYERS)`);
      else if (into > from) {
        findings.layers.push(
          `src/${path} (${unitOf(path)}) imports src/${to} (${unitOf(to)}, a layer above)${imp.kind === 'dynamic' ? ' with import()' : ''}`,
        );
      }
    }
    graph.set(path, [...new Set(runtime)]);
  }
  findings.layers = [...new Set(findings.layers)];
  for (const component of findCycles(graph)) {
    findings.cycles.push(
      `cycle: ${cyclePath(graph, component)
        .map((p) => `src/${p}`)
        .join(' -> ')}`,
    );
  }

  const folders = readdirSync(src, { withFileTypes: true }).filter((e) => e.isDirectory());
  for (const folder of folders) {
    if (!existsSync(join(root, 'test', folder.name))) {
      findings.mirror.push(`src/${folder.name}/ has no test/${folder.name}/`);
    }
  }

  const testText = walk(join(root, 'test'))
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n');
  const exportsOf = (path, seen = new Set()) => {
    if (seen.has(path)) return [];
    seen.add(path);
    const info = modules.get(path);
    if (!info) return [];
    const names = [...info.exports];
    for (const spec of info.star) {
      const target = resolveRelative(join(src, path), spec);
      if (target) names.push(...exportsOf(toPosix(relative(src, target)), seen));
    }
    return names;
  };
  const untested = [];
  for (const entry of entryFiles(root)) {
    for (const name of [...new Set(exportsOf(entry.replace(/^src\//, '')))].sort()) {
      if (!new RegExp(`\\b${name.replace(/\$/g, '\\$')}\\b`).test(testText)) {
        untested.push(`${entry}: ${name}`);
      }
    }
  }
  findings.tested = untested.filter((u) => !knownUntested.has(u)).map((u) => `${u} is named in no test file`);
  const listed = new Set(untested);
  for (const known of knownUntested) {
    if (!listed.has(known)) {
      findings.tested.push(`${known} is tested now (or gone): remove it from scripts/untested-exports.json`);
    } else pending.push(`${known}: no test yet`);
  }
  return { findings, untested, pending };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { findings, pending } = checkLayout();
  let total = 0;
  for (const p of pending) console.log(`todo ${p}`);
  for (const [rule, messages] of Object.entries(findings)) {
    console.log(`${messages.length === 0 ? 'ok  ' : 'FAIL'} ${rule} (${messages.length})`);
    for (const m of messages) console.log(`       ${m}`);
    total += messages.length;
  }
  process.exit(total === 0 ? 0 : 1);
}
