/**
 * `stats`: the fleet's hit ratio and savings, per operation and namespace, from the counters
 * that `shareStats` adds to Redis.
 *
 * @module
 */
import { readSharedStats, sharedStatsKey } from '../../observability/shared-stats.js';
import type { CommandContext } from '../context.js';
import { percent, table } from '../output.js';

/** Runs `stats`. */
export async function statsCommand(ctx: CommandContext): Promise<void> {
  const { client } = await ctx.redis();
  const key = sharedStatsKey(ctx.config.prefix);
  const snapshot = await readSharedStats(client, key);
  ctx.out.data({ key, ...snapshot });
  if (snapshot.rows.length === 0) {
    ctx.out.text(
      `No shared statistics under ${key} (give your caches shareStats(ai, { redis }) to collect them).`,
    );
    return;
  }
  ctx.out.text(
    table(
      ['operation', 'namespace', 'hits', 'misses', 'sets', 'hit ratio'],
      [
        ...snapshot.rows.map((r) => [
          r.operation,
          r.namespace,
          r.hits,
          r.misses,
          r.sets,
          percent(r.hitRatio),
        ]),
        [
          'total',
          '',
          snapshot.totals.hits,
          snapshot.totals.misses,
          snapshot.totals.sets,
          percent(snapshot.totals.hitRatio),
        ],
      ],
    ),
  );
  const s = snapshot.savings;
  ctx.out.text('');
  ctx.out.text(
    table(
      ['savings', 'value'],
      [
        ['upstream calls avoided', String(s.upstreamCallsAvoided)],
        [
          'tokens (prompt / completion / total)',
          `${s.tokens.prompt} / ${s.tokens.completion} / ${s.tokens.total}`,
        ],
        ['cost avoided', `$${s.costUsd.toFixed(4)}`],
        ['upstream latency avoided', `${(s.latencyMs / 1000).toFixed(1)} s`],
      ],
    ),
  );
}
