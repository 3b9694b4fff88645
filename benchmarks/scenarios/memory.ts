/**
 * Scenario 7: memory. Spawns `node --expose-gc --import tsx benchmarks/memory.ts` (so heap deltas
 * are measured after full GCs, in a clean process) and reports the heap an L1 of ~10,000 2 KB
 * entries takes against its `maxBytes` (the cap must hold within 5%) and against a bare
 * lru-cache of the same decoded values.
 *
 * @module
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatBytes, formatPercent } from '../../src/benchmark/format.js';
import type { BenchContext } from '../harness.js';
import type { MemoryCase } from '../memory.js';
import type { Row, ScenarioOutput, Target } from '../report.js';

const CAP_TOLERANCE = 1.05;

function runChild(
  ctx: BenchContext,
): Promise<{ entrySize: number; encodedSize: number; results: MemoryCase[] }> {
  const benchDir = dirname(dirname(fileURLToPath(import.meta.url)));
  const root = dirname(benchDir);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', join(benchDir, 'memory.ts')], {
      cwd: root,
      env: { ...process.env, REDIS_URL: ctx.redisUrl },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
    child.once('error', reject);
    child.once('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line) {
        reject(new Error(`benchmarks/memory.ts exited with ${String(code)}: ${err.trim()}`));
        return;
      }
      try {
        resolve(JSON.parse(line));
      } catch (error) {
        reject(error);
      }
    });
  });
}

/** Runs scenario 7. */
export async function memoryScenario(ctx: BenchContext): Promise<ScenarioOutput> {
  ctx.log('  child: node --expose-gc --import tsx benchmarks/memory.ts');
  const { encodedSize, results } = await runChild(ctx);
  const limit = results.find((r) => r.kind === 'limit');
  const perEntry = (r: MemoryCase) => r.heapBytes / Math.max(1, r.entries);
  const rows: Row[] = results.map((r) => ({
    name: r.name,
    kind: r.kind,
    values: {
      inserted: r.inserted,
      entries: r.entries,
      accounted: r.accountedBytes || Number.NaN,
      maxBytes: r.maxBytes || Number.NaN,
      heap: r.heapBytes,
      perEntry: perEntry(r),
      capShare: r.maxBytes ? r.heapBytes / r.maxBytes : Number.NaN,
    },
    ratio: limit ? perEntry(r) / perEntry(limit) : undefined,
    note:
      r.maxBytes === 0
        ? 'no cap'
        : `${r.heapBytes <= r.maxBytes * CAP_TOLERANCE ? 'within' : 'OVER'} maxBytes + 5%`,
  }));
  const targets: Target[] = results
    .filter((r) => r.maxBytes > 0)
    .map((r) => ({
      label: `L1 memory cap: heap of ${r.name.replace(/^ours /, '')} vs maxBytes`,
      expectation: '<= 1.05x',
      measured: `${(r.heapBytes / r.maxBytes).toFixed(2)}x (${formatBytes(r.heapBytes)} / ${formatBytes(r.maxBytes)}, ${r.entries} entries)`,
      pass: r.heapBytes <= r.maxBytes * CAP_TOLERANCE,
    }));
  return {
    sections: [
      {
        id: 'memory',
        title: 'Memory: L1 holding ~10,000 2 KB responses',
        description: `Heap growth after full GCs (child process with --expose-gc). maxBytes = 10,000 x the encoded size of one entry (${encodedSize} B), so the byte cap binds; more entries than fit are inserted. Ratio: heap per entry vs lru-cache holding the same decoded values.`,
        columns: [
          { key: 'inserted', label: 'inserted', format: (v) => String(v) },
          { key: 'entries', label: 'held', format: (v) => String(v) },
          { key: 'accounted', label: 'L1 accounts', format: formatBytes },
          { key: 'maxBytes', label: 'maxBytes', format: formatBytes },
          { key: 'heap', label: 'heap', format: formatBytes },
          { key: 'perEntry', label: 'heap/entry', format: formatBytes },
          { key: 'capShare', label: 'heap/maxBytes', format: formatPercent },
        ],
        ratioLabel: 'heap/entry vs limit',
        rows,
      },
    ],
    targets,
  };
}
