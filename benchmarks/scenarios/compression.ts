/**
 * Scenario 6: compression. Size ratio and speed (MB/s of uncompressed data, 1 MB = 10^6 bytes)
 * of lz4 (lz4-napi) and deflate (node:zlib, level 6) on 1 KB / 10 KB / 100 KB responses; then,
 * around the default threshold (1024 bytes), what compression saves and costs end to end: the
 * stored size and the p50 of an L2 `get` / `set` through our cache over Redis, with every
 * payload compressed (threshold 0) against none compressed.
 *
 * @module
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { compressSync, uncompressSync } from 'lz4-napi';
import { RedisBackend } from '../../src/backends/redis.js';
import { formatBytes, formatDuration } from '../../src/benchmark/format.js';
import { measure, measureSync, median, percentile } from '../../src/benchmark/measure.js';
import { type Cache, createCache } from '../../src/cache/cache.js';
import { type BenchContext, byName, type CaseSpec, runCases } from '../harness.js';
import { responseOfSize } from '../payload.js';
import type { Row, ScenarioOutput, Section } from '../report.js';

const DEFAULT_THRESHOLD = 1024;
const THRESHOLD_SIZES = [128, 256, 512, 768, 1024, 1536, 2048, 4096];
/**
 * Compression "pays" when it saves at least this share of the stored bytes: below, the ratio is
 * too poor to be worth lz4's fixed cost (a native call each way). The latency effect is shown
 * (get p50s) but not used: on loopback its run-to-run noise exceeds the microseconds at stake.
 */
const MIN_SAVING = 0.15;

const mbps = (v: number) => `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} MB/s`;

async function codecTable(ctx: BenchContext): Promise<Section> {
  const rows: Row[] = [];
  for (const size of [1024, 10_240, 102_400]) {
    const input = Buffer.from(JSON.stringify(responseOfSize(size, 9)));
    const lz4 = compressSync(input);
    const deflated = deflateRawSync(input, { level: 6 });
    if (!uncompressSync(lz4).equals(input) || !inflateRawSync(deflated).equals(input)) {
      throw new Error('compression round trip failed');
    }
    const speed = (fn: () => unknown, n: number) => {
      const m = measureSync(fn, { iterations: n, batch: Math.max(1, Math.min(100, Math.floor(n / 20))) });
      return input.length / (percentile(m.samples, 50) / 1000) / 1e6;
    };
    const cases: CaseSpec[] = [
      { name: `raw, ${formatBytes(size)}`, kind: 'limit', run: async () => ({ bytes: input.length }) },
      {
        name: `lz4, ${formatBytes(size)}`,
        kind: 'ours',
        note: 'default codec',
        run: async (n) => ({
          bytes: lz4.length,
          compress: speed(() => compressSync(input), n),
          decompress: speed(() => uncompressSync(lz4), n),
        }),
      },
      {
        name: `deflate-6, ${formatBytes(size)}`,
        kind: 'info',
        run: async (n) => ({
          bytes: deflated.length,
          compress: speed(() => deflateRawSync(input, { level: 6 }), n),
          decompress: speed(() => inflateRawSync(deflated), n),
        }),
      },
    ];
    ctx.log(`  codecs on ${size} B`);
    const results = await runCases(ctx, cases, {
      metric: 'bytes',
      better: 'lower',
      limit: cases[0]?.name as string,
      calibrate: 200,
      minIterations: 200,
      maxIterations: 200_000,
    });
    for (const r of results)
      rows.push({ name: r.name, kind: r.kind, values: r.median, ratio: r.ratio, note: r.note });
  }
  return {
    id: 'compression-codecs',
    title: 'Compression codecs on chat.completion JSON',
    description:
      'Size after compression and single-thread speed (uncompressed MB per second, 1 MB = 10^6 B). Ratio: compressed size / raw size.',
    columns: [
      { key: 'bytes', label: 'stored', format: formatBytes },
      { key: 'compress', label: 'compress', format: mbps },
      { key: 'decompress', label: 'decompress', format: mbps },
    ],
    ratioLabel: 'size vs raw',
    rows,
  };
}

async function thresholdTable(ctx: BenchContext): Promise<Section> {
  const backend = () => new RedisBackend({ url: ctx.redisUrl });
  const raw = createCache({
    prefix: 'bcomp-raw',
    l1: false,
    backend: backend(),
    compression: { codec: 'none' },
  });
  const lz4 = createCache({
    prefix: 'bcomp-lz4',
    l1: false,
    backend: backend(),
    compression: { codec: 'lz4', threshold: 0 },
  });
  await Promise.all([raw.connect(), lz4.connect()]);
  const rows: Row[] = [];
  let paysFrom: number | undefined;
  try {
    for (const size of THRESHOLD_SIZES) {
      const keys = 64;
      const values = Array.from({ length: keys }, (_, i) => responseOfSize(size, 300 + i));
      const stored = new Map<Cache, number[]>();
      for (const cache of [raw, lz4]) {
        const sizes: number[] = [];
        for (let i = 0; i < keys; i++) sizes.push((await cache.set(`t:${size}:${i}`, values[i])).bytes);
        stored.set(cache, sizes);
      }
      const input = Buffer.from(JSON.stringify(values[0]));
      const cpu = measureSync(
        () => {
          uncompressSync(compressSync(input));
        },
        { iterations: 20_000, batch: 100, warmup: 2000 },
      );
      const caseOf = (name: string, kind: CaseSpec['kind'], cache: Cache): CaseSpec => ({
        name,
        kind,
        run: async (n) => {
          const get = await measure((i) => cache.get(`t:${size}:${i % keys}`), { iterations: n });
          return { get: percentile(get.samples, 50) };
        },
      });
      ctx.log(`  threshold: ${size} B`);
      const results = await runCases(ctx, [caseOf('raw', 'limit', raw), caseOf('lz4', 'ours', lz4)], {
        metric: 'get',
        better: 'lower',
        limit: 'raw',
        calibrate: 100,
        minIterations: 300,
        maxIterations: 10_000,
      });
      const r = byName(results, 'raw');
      const c = byName(results, 'lz4');
      const rawBytes = median(stored.get(raw) ?? []);
      const lz4Bytes = median(stored.get(lz4) ?? []);
      const saving = 1 - lz4Bytes / rawBytes;
      const cpuMs = percentile(cpu.samples, 50);
      const pays = saving >= MIN_SAVING;
      // The smallest size from which every larger size pays.
      if (pays && paysFrom === undefined) paysFrom = size;
      if (!pays) paysFrom = undefined;
      rows.push({
        name: `${formatBytes(size)} response`,
        kind: size === DEFAULT_THRESHOLD ? 'ours' : 'info',
        values: {
          raw: rawBytes,
          lz4: lz4Bytes,
          saving,
          cpu: cpuMs,
          perUs: (rawBytes - lz4Bytes) / (cpuMs * 1000),
          rawGet: r.median.get ?? Number.NaN,
          lz4Get: c.median.get ?? Number.NaN,
        },
        ratio: c.ratio,
        note: `${pays ? 'pays' : 'does not pay'}${size === DEFAULT_THRESHOLD ? ' (default threshold)' : ''}`,
      });
    }
  } finally {
    await raw.close();
    await lz4.close();
  }
  const verdict =
    paysFrom === undefined
      ? 'In this run compression did not pay at any size measured.'
      : `In this run compression pays from ${formatBytes(paysFrom)} on (default threshold: ${formatBytes(DEFAULT_THRESHOLD)}).`;
  return {
    id: 'compression-threshold',
    title: 'Where compression starts to pay (default threshold 1024 B)',
    description: `Our cache over Redis, L1 off: entries stored raw (codec none) vs lz4 with threshold 0 (an entry is still stored raw when lz4 would not shrink it). "Stored" sizes include the envelope header. CPU: lz4 compress + decompress of one payload. "Pays" = saves at least ${MIN_SAVING * 100}% of the stored bytes. The get p50s are for the record: on loopback their noise exceeds the few microseconds at stake. ${verdict}`,
    columns: [
      { key: 'raw', label: 'stored raw', format: formatBytes },
      { key: 'lz4', label: 'stored lz4', format: formatBytes },
      { key: 'saving', label: 'saved', format: (v) => `${(v * 100).toFixed(0)}%` },
      { key: 'cpu', label: 'lz4 CPU', format: formatDuration },
      { key: 'perUs', label: 'saved per CPU µs', format: (v) => `${v.toFixed(0)} B` },
      { key: 'rawGet', label: 'get p50 raw', format: formatDuration },
      { key: 'lz4Get', label: 'get p50 lz4', format: formatDuration },
    ],
    ratioLabel: 'lz4 get vs raw get',
    rows,
  };
}

/** Runs scenario 6. */
export async function compressionScenario(ctx: BenchContext): Promise<ScenarioOutput> {
  return { sections: [await codecTable(ctx), await thresholdTable(ctx)], targets: [] };
}
