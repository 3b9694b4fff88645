/**
 * `bench`: the benchmark API (`CachePerformanceBenchmark`) on the configured Redis (or on
 * memory with `--memory`), under a prefix of its own that is cleared afterwards.
 *
 * @module
 */
import { MemoryBackend } from '../../backends/memory.js';
import { CachePerformanceBenchmark } from '../../benchmark/benchmark.js';
import { BenchmarkPresets } from '../../benchmark/presets.js';
import type { BenchmarkConfig } from '../../benchmark/types.js';
import { createCache } from '../../cache/cache.js';
import { integerOption } from '../args.js';
import type { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';

/** Runs `bench`. */
export async function benchCommand(ctx: CommandContext): Promise<void> {
  const presetName = ctx.options.preset ?? 'quick';
  if (!Object.hasOwn(BenchmarkPresets, presetName)) {
    throw new UsageError(`--preset must be one of ${Object.keys(BenchmarkPresets).join(', ')}`);
  }
  const config: BenchmarkConfig = BenchmarkPresets[presetName as keyof typeof BenchmarkPresets]();
  if (ctx.options.iterations !== undefined) {
    const iterations = integerOption(ctx.options.iterations, 'iterations', 1);
    config.iterations = iterations;
    config.warmup = Math.min(config.warmup ?? 0, iterations);
    config.keySpace = Math.min(config.keySpace ?? iterations, iterations);
  }
  const backend = ctx.options.memory ? new MemoryBackend() : (await ctx.redis()).backend;
  const prefix = `${ctx.config.prefix}-bench-${process.pid}`;
  const cache = createCache({ prefix, backend, owns: { backend: ctx.options.memory === true } });
  try {
    ctx.out.note(
      `benchmark '${config.name}' on ${ctx.options.memory ? 'memory' : 'redis'} (prefix ${prefix})…`,
    );
    const suite = await new CachePerformanceBenchmark(cache, config).runComprehensive();
    ctx.out.data(suite.toJSON());
    ctx.out.text(suite.toMarkdown());
  } finally {
    await cache.clear();
    await cache.close();
  }
}
