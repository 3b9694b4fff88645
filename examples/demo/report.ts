/**
 * The demo's measurements, its progress bar and its final table.
 *
 * @module
 */

import { percentile } from '../../src/benchmark/index.js';
import type { SavingsStats } from '../../src/index.js';
import type { CacheStatus } from '../../src/integrations/openai/index.js';
import { OPERATIONS, type Operation } from './workload.js';

/** One finished request. */
export interface Sample {
  operation: Operation;
  status: CacheStatus | undefined;
  ms: number;
}

/** One row of the table. */
export interface OperationRow {
  operation: Operation | 'total';
  ttl: string;
  requests: number;
  upstreamCalls: number;
  hits: number;
  coalesced: number;
  /** Share of requests answered without their own upstream call. */
  hitRatio: number;
  hitP50: number;
  hitP95: number;
  missP50: number;
  missP95: number;
}

const percentiles = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95) };
};

/** Aggregates samples per operation, plus a total row. */
export function summarize(
  samples: readonly Sample[],
  ttls: Readonly<Record<string, string>>,
): OperationRow[] {
  const groups: [Operation | 'total', Sample[]][] = OPERATIONS.map((op) => [
    op,
    samples.filter((s) => s.operation === op),
  ]);
  groups.push(['total', [...samples]]);
  return groups.map(([operation, group]) => {
    const by = (status: CacheStatus) => group.filter((s) => s.status === status);
    const hits = by('hit');
    const misses = by('miss');
    const hit = percentiles(hits.map((s) => s.ms));
    const miss = percentiles(misses.map((s) => s.ms));
    const served = hits.length + by('coalesced').length;
    return {
      operation,
      ttl: ttls[operation] ?? '',
      requests: group.length,
      upstreamCalls: misses.length,
      hits: hits.length,
      coalesced: by('coalesced').length,
      hitRatio: group.length === 0 ? 0 : served / group.length,
      hitP50: hit.p50,
      hitP95: hit.p95,
      missP50: miss.p50,
      missP95: miss.p95,
    };
  });
}

const ms = (value: number) => (value < 10 ? `${value.toFixed(1)}ms` : `${Math.round(value)}ms`);

/** The table, as lines of text. */
export function renderTable(
  rows: readonly OperationRow[],
  savings: SavingsStats,
  elapsedMs: number,
): string[] {
  const header = [
    'operation',
    'ttl',
    'requests',
    'upstream',
    'hits',
    'coalesced',
    'hit ratio',
    'hit p50/p95',
    'miss p50/p95',
  ];
  const body = rows.map((r) => [
    r.operation,
    r.ttl,
    String(r.requests),
    String(r.upstreamCalls),
    String(r.hits),
    String(r.coalesced),
    `${(r.hitRatio * 100).toFixed(1)}%`,
    r.hits ? `${ms(r.hitP50)} / ${ms(r.hitP95)}` : '-',
    r.upstreamCalls ? `${ms(r.missP50)} / ${ms(r.missP95)}` : '-',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  const rule = '-'.repeat(widths.reduce((a, b) => a + b + 2, -2));
  const total = rows.at(-1);
  const { tokens } = savings;
  return [
    line(header),
    rule,
    ...body.slice(0, -1).map(line),
    rule,
    line(body.at(-1) ?? []),
    '',
    `upstream calls: ${total?.upstreamCalls ?? 0} for ${total?.requests ?? 0} requests in ${(elapsedMs / 1000).toFixed(1)}s`,
    `tokens saved:   ${tokens.total} (prompt ${tokens.prompt}, completion ${tokens.completion})`,
    `dollars saved:  $${savings.costUsd.toFixed(6)}`,
  ];
}

/** A progress indicator: one rewritten line on a TTY, a line every 25% otherwise. */
export function progressBar(total: number, tty: boolean, out: (line: string) => void) {
  let lastQuarter = 0;
  return {
    update(done: number, served: number): void {
      const ratio = total === 0 ? 1 : done / total;
      if (tty) {
        const width = 30;
        const filled = Math.round(ratio * width);
        const bar = `${'#'.repeat(filled)}${'.'.repeat(width - filled)}`;
        const hitRatio = done === 0 ? 0 : (served / done) * 100;
        process.stdout.write(`\r[${bar}] ${done}/${total} requests, ${hitRatio.toFixed(0)}% from cache `);
        return;
      }
      const quarter = Math.floor(ratio * 4);
      if (quarter > lastQuarter) {
        lastQuarter = quarter;
        out(`progress: ${done}/${total} requests (${quarter * 25}%)`);
      }
    },
    done(): void {
      if (tty) process.stdout.write('\n');
    },
  };
}

/** Where the demo's answers were really cached. */
export type DemoStore = 'redis' | 'memory' | 'memory-fallback';

/** The store actually used: Redis only when it was asked for and the cache never fell back. */
export function storeOf(redisAsked: boolean, fellBack: boolean): DemoStore {
  if (!redisAsked) return 'memory';
  return fellBack ? 'memory-fallback' : 'redis';
}

/** How the header names the store (never "Redis" after a fallback). */
export function storeLine(store: DemoStore): string {
  switch (store) {
    case 'redis':
      return 'cached in Redis';
    case 'memory':
      return 'cached in the embedded memory tier';
    case 'memory-fallback':
      return 'cached in memory: Redis is unreachable, the cache fell back to its in-process memory tier';
  }
}
