/**
 * `npm run bench [-- --quick] [-- --only=l1,l2,...] [-- --rounds=N]`
 *
 * Starts its own redis-server on a free loopback port, runs every scenario with warm-up and
 * interleaved rounds, prints one table per scenario (every row with its ratio to the limit row
 * of the same run) and the targets with PASS/FAIL, and writes `benchmarks/results/latest.md` and
 * `latest.json`.
 *
 * @module
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchmarkEnvironment, describeEnvironment } from '../src/benchmark/environment.js';
import type { BenchContext } from './harness.js';
import { startBenchRedis } from './redis.js';
import {
  renderMarkdown,
  renderText,
  type ScenarioOutput,
  type Section,
  type Target,
  toJson,
} from './report.js';
import { coherenceScenario } from './scenarios/coherence.js';
import { compressionScenario } from './scenarios/compression.js';
import { importScenario } from './scenarios/import.js';
import { l1Scenario } from './scenarios/l1.js';
import { l2Scenario } from './scenarios/l2.js';
import { memoryScenario } from './scenarios/memory.js';
import { openaiScenario } from './scenarios/openai.js';
import { outageScenario } from './scenarios/outage.js';
import { stormScenario } from './scenarios/storm.js';
import { writeScenario } from './scenarios/write.js';

const SCENARIOS = {
  l1: l1Scenario,
  l2: l2Scenario,
  write: writeScenario,
  storm: stormScenario,
  openai: openaiScenario,
  compression: compressionScenario,
  memory: memoryScenario,
  outage: outageScenario,
  import: importScenario,
  coherence: coherenceScenario,
} as const satisfies Record<string, (ctx: BenchContext) => Promise<ScenarioOutput>>;

type ScenarioId = keyof typeof SCENARIOS;

/** Scenarios that need no redis-server (a run of only these starts none). */
const WITHOUT_REDIS: ReadonlySet<ScenarioId> = new Set<ScenarioId>(['import']);

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

/** Packages whose speed is in the tables. */
const MEASURED_PACKAGES = [
  'lru-cache',
  'bentocache',
  'cacheable',
  'cache-manager',
  'keyv',
  '@keyv/redis',
  'ioredis',
  'lz4-napi',
  'openai',
];

/** `name version` of each installed package of {@link MEASURED_PACKAGES}. */
function packageVersions(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of MEASURED_PACKAGES) {
    try {
      const pkg = JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as {
        version?: string;
      };
      out[name] = pkg.version ?? '?';
    } catch {
      out[name] = 'not installed';
    }
  }
  return out;
}

interface Args {
  quick: boolean;
  only: ScenarioId[];
  rounds: number | undefined;
  write: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = {
    quick: false,
    only: Object.keys(SCENARIOS) as ScenarioId[],
    rounds: undefined,
    write: true,
  };
  for (const arg of argv) {
    if (arg === '--quick') args.quick = true;
    else if (arg === '--no-write') args.write = false;
    else if (arg.startsWith('--only=')) {
      const ids = arg.slice('--only='.length).split(',').filter(Boolean);
      for (const id of ids) {
        if (!(id in SCENARIOS))
          throw new Error(`unknown scenario "${id}" (known: ${Object.keys(SCENARIOS).join(', ')})`);
      }
      args.only = ids as ScenarioId[];
    } else if (arg.startsWith('--rounds=')) {
      const n = Number(arg.slice('--rounds='.length));
      if (!Number.isInteger(n) || n < 1) throw new Error(`--rounds wants a positive integer (got ${arg})`);
      args.rounds = n;
    } else if (arg === '--help' || arg === '-h') {
      process.stdout.write(
        `npm run bench -- [--quick] [--only=${Object.keys(SCENARIOS).join(',')}] [--rounds=N] [--no-write]\n`,
      );
      process.exit(0);
    } else {
      throw new Error(`unknown argument ${arg} (try --help)`);
    }
  }
  return args;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const env = benchmarkEnvironment();
  const loadBefore = loadavg()[0] ?? 0;
  log(`ai-response-cache bench (${args.quick ? 'quick' : 'full'}) on ${describeEnvironment(env)}`);
  const redis = args.only.every((id) => WITHOUT_REDIS.has(id)) ? undefined : await startBenchRedis();
  if (redis) log(`redis-server ${redis.version} on ${redis.url} (pid ${redis.pid})`);
  const onSignal = () => {
    void (redis?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const ctx: BenchContext = {
    quick: args.quick,
    rounds: args.rounds ?? (args.quick ? 3 : 7),
    roundMs: args.quick ? 120 : 400,
    redisUrl: redis?.url ?? '',
    log,
  };
  const sections: Section[] = [];
  const targets: Target[] = [];
  try {
    for (const id of args.only) {
      const t0 = performance.now();
      log(`[${id}]`);
      const out = await SCENARIOS[id](ctx);
      sections.push(...out.sections);
      targets.push(...out.targets);
      log(`[${id}] ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
  } finally {
    await redis?.stop();
  }

  const seconds = (performance.now() - started) / 1000;
  const versions = packageVersions();
  const loadAfter = loadavg()[0] ?? 0;
  const load = `load average ${loadBefore.toFixed(1)} at start, ${loadAfter.toFixed(1)} at end`;
  const when = new Date().toISOString();
  const header = [
    `## Benchmark results (${args.quick ? '`--quick`' : 'full run'}, ${when.slice(0, 10)})`,
    '',
    `Machine: ${describeEnvironment(env)}${redis ? `; redis-server ${redis.version} on loopback` : ''}.`,
    `Packages: ${Object.entries(versions)
      .map(([name, v]) => `${name} ${v}`)
      .join(', ')}.`,
    `${ctx.rounds} interleaved rounds per case after a calibration/warm-up run; every figure is a median over rounds; ` +
      'ratios are medians of per-round ratios to the limit row of the same run. Total time: ' +
      `${seconds.toFixed(0)} s (${load}).`,
    ...(args.only.length < Object.keys(SCENARIOS).length
      ? ['', `Scenarios run: ${args.only.join(', ')}.`]
      : []),
  ].join('\n');

  process.stdout.write(`${renderText(sections, targets)}\n\nTotal: ${seconds.toFixed(1)} s (${load})\n`);
  if (args.write) {
    const dir = join(ROOT, 'benchmarks', 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'latest.md'), renderMarkdown(header, sections, targets));
    const meta = {
      createdAt: when,
      mode: args.quick ? 'quick' : 'full',
      scenarios: args.only,
      rounds: ctx.rounds,
      seconds,
      loadAverage: { start: loadBefore, end: loadAfter },
      environment: env,
      redis: redis?.version ?? null,
      packages: versions,
    };
    writeFileSync(join(dir, 'latest.json'), `${JSON.stringify(toJson(meta, sections, targets), null, 2)}\n`);
    log(`wrote ${join(dir, 'latest.md')} and latest.json`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
