/**
 * Scenario `import`: the cold import of the built package. Each sample is a fresh `node` process
 * that times one dynamic `import()` (or `require`) from inside (performance.now() around it) and
 * is timed from outside too (spawn to exit: Node's own start-up included). The cases run in
 * interleaved rounds, their order rotated each round, so that load on the machine falls on all
 * of them alike. The limit row is a baseline import in the same run: `node:fs` (Node's own cost
 * of a first dynamic import); the target is the main entry within 50 ms of it (median).
 *
 * Needs `dist/` (`npm run build`); it fails with that message when `dist/index.js` is missing and
 * warns when a file under src/ is newer than it.
 *
 * @module
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { formatDuration } from '../../src/benchmark/format.js';
import { median } from '../../src/benchmark/measure.js';
import type { BenchContext, RowKind } from '../harness.js';
import type { Row, ScenarioOutput, Target } from '../report.js';

/** The main entry's cold import may take this much longer than the baseline import (median). */
export const IMPORT_BUDGET_MS = 50;

/** Fewest processes per case: the figures are medians of 9. */
export const MIN_IMPORT_RUNS = 9;

/** One kind of process to start. */
export interface ImportCase {
  name: string;
  kind: RowKind;
  /** Body of an ES module (`node --input-type=module -e`) that prints the in-process ms. */
  code: string;
  note?: string;
}

/** Medians of one case over its processes. */
export interface ImportResult {
  name: string;
  kind: RowKind;
  note: string | undefined;
  /** In-process duration of the import, one per process. */
  importMs: number[];
  /** Spawn-to-exit duration, one per process. */
  processMs: number[];
}

/** Module body timing `expression` (an awaited import or a require) and printing the ms. */
function timed(expression: string, prelude = ''): string {
  return `${prelude}const t0 = performance.now(); const m = ${expression}; const ms = performance.now() - t0;
if (m === undefined || m === null) throw new Error('nothing loaded');
process.stdout.write(String(ms));`;
}

/**
 * `dist/index.js` of `root`.
 *
 * @throws when it is missing (with the command that builds it).
 */
export function distEntry(root: string): string {
  const entry = join(root, 'dist', 'index.js');
  if (!existsSync(entry)) {
    throw new Error(
      `the import scenario measures the built package, and ${entry} is missing: run \`npm run build\` first`,
    );
  }
  return entry;
}

/** The newest file under `dir` (mtime in ms), 0 when empty. */
function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Whether some file under `root/src` is newer than `dist/index.js`. */
export function distIsStale(root: string): boolean {
  return newestMtime(join(root, 'src')) > statSync(distEntry(root)).mtimeMs;
}

/** The cases of the scenario: the baselines, then the package's entries. */
export function importCases(root: string, emptyModule: string): ImportCase[] {
  const entry = distEntry(root);
  const url = pathToFileURL(entry).href;
  const cjs = join(root, 'dist', 'index.cjs');
  return [
    { name: "baseline: import('node:fs')", kind: 'limit', code: timed("await import('node:fs')") },
    {
      name: 'baseline: import of an empty module file',
      kind: 'info',
      code: timed(`await import(${JSON.stringify(pathToFileURL(emptyModule).href)})`),
    },
    {
      name: 'ai-response-cache (dist/index.js, import)',
      kind: 'ours',
      code: timed(`await import(${JSON.stringify(url)})`),
    },
    {
      name: 'ai-response-cache (dist/index.cjs, require)',
      kind: 'info',
      code: timed(
        `require(${JSON.stringify(cjs)})`,
        "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);\n",
      ),
    },
    {
      name: 'import + createCache + first set and get',
      kind: 'info',
      note: 'memory only (L1); loads xxhash-wasm',
      code: timed(
        `await (async () => { const { createCache } = await import(${JSON.stringify(url)}); const cache = createCache(); await cache.set('k', { a: 1 }); await cache.get('k'); await cache.close(); return cache; })()`,
      ),
    },
  ];
}

/** Starts one process for `code`; resolves to the in-process and the spawn-to-exit ms. */
function runOnce(code: string, cwd: string): Promise<{ importMs: number; processMs: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
    child.once('error', reject);
    child.once('exit', (exitCode) => {
      const processMs = performance.now() - started;
      const importMs = Number(out.trim());
      if (exitCode !== 0 || !Number.isFinite(importMs)) {
        reject(new Error(`import process exited with ${String(exitCode)}: ${err.trim() || out.trim()}`));
        return;
      }
      resolve({ importMs, processMs });
    });
  });
}

/**
 * Runs every case `runs` times in fresh processes, interleaved (round `r` starts at case
 * `r % cases.length`).
 */
export async function measureColdImports(
  cases: readonly ImportCase[],
  runs: number,
  cwd: string,
): Promise<ImportResult[]> {
  const results: ImportResult[] = cases.map((c) => ({
    name: c.name,
    kind: c.kind,
    note: c.note,
    importMs: [],
    processMs: [],
  }));
  for (let round = 0; round < runs; round++) {
    for (let i = 0; i < cases.length; i++) {
      const index = (round + i) % cases.length;
      const sample = await runOnce((cases[index] as ImportCase).code, cwd);
      const result = results[index] as ImportResult;
      result.importMs.push(sample.importMs);
      result.processMs.push(sample.processMs);
    }
  }
  return results;
}

/** `+1.2 ms` / `-0.3 ms`. */
function signed(ms: number): string {
  return ms === 0 ? '0' : `${ms > 0 ? '+' : ''}${formatDuration(ms)}`;
}

/** Runs the import scenario. */
export async function importScenario(ctx: BenchContext): Promise<ScenarioOutput> {
  const root = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
  const stale = distIsStale(root);
  if (stale)
    ctx.log('  warning: src/ has files newer than dist/index.js; run `npm run build` to measure them');
  const scratch = mkdtempSync(join(tmpdir(), 'arc-import-'));
  const runs = Math.max(MIN_IMPORT_RUNS, ctx.quick ? MIN_IMPORT_RUNS : 2 * ctx.rounds + 1);
  let results: ImportResult[];
  try {
    const empty = join(scratch, 'empty.mjs');
    writeFileSync(empty, 'export {};\n');
    const cases = importCases(root, empty);
    ctx.log(`  ${cases.length} cases x ${runs} fresh node processes, interleaved`);
    results = await measureColdImports(cases, runs, root);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const baseline = results.find((r) => r.kind === 'limit') as ImportResult;
  const main = results.find((r) => r.kind === 'ours') as ImportResult;
  const baseImport = median(baseline.importMs);
  const rows: Row[] = results.map((r) => {
    const importMs = median(r.importMs);
    return {
      name: r.name,
      kind: r.kind,
      values: {
        import: importMs,
        min: Math.min(...r.importMs),
        max: Math.max(...r.importMs),
        overBaseline: importMs - baseImport,
        process: median(r.processMs),
      },
      ratio: importMs / baseImport,
      note: r.note,
    };
  });
  const mainImport = median(main.importMs);
  const difference = mainImport - baseImport;
  const targets: Target[] = [
    {
      label: 'cold import of the main entry vs a baseline import, same run',
      expectation: `<= +${IMPORT_BUDGET_MS} ms (median)`,
      measured: `${formatDuration(mainImport)} vs ${formatDuration(baseImport)} (${signed(difference)}; ${runs} processes each)${stale ? ', dist older than src' : ''}`,
      pass: difference <= IMPORT_BUDGET_MS,
    },
  ];
  return {
    sections: [
      {
        id: 'import',
        title: 'Cold import of the built package',
        description: `Each sample is a fresh \`node\` process (${runs} per case, interleaved): "import" is the in-process time of the one import() or require, "process" the spawn-to-exit time (Node's start-up included). The limit is a baseline import of node:fs in the same run.`,
        columns: [
          { key: 'import', label: 'import (median)', format: formatDuration },
          { key: 'min', label: 'min', format: formatDuration },
          { key: 'max', label: 'max', format: formatDuration },
          { key: 'overBaseline', label: 'vs baseline', format: signed },
          { key: 'process', label: 'process (median)', format: formatDuration },
        ],
        ratioLabel: 'import vs limit',
        rows,
      },
    ],
    targets,
  };
}
