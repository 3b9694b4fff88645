/**
 * `keys`: the stored entries, optionally of one operation or namespace.
 *
 * @module
 */
import { integerOption } from '../args.js';
import type { CommandContext } from '../context.js';
import { scanEntries } from './scan.js';

/** Runs `keys`. */
export async function keysCommand(ctx: CommandContext): Promise<void> {
  const { options } = ctx;
  const limit = integerOption(options.limit, 'limit', Number.POSITIVE_INFINITY);
  const progressEvery = integerOption(options.progress, 'progress', 10_000);
  const { backend } = await ctx.redis();
  const counter = { scanned: 0 };
  const keys: string[] = [];
  const filter = { operation: options.operation, namespace: options.namespace, progressEvery };
  for await (const key of scanEntries(backend, ctx.config.prefix, filter, ctx.out, counter)) {
    keys.push(key);
    ctx.out.text(key);
    if (keys.length >= limit) break;
  }
  ctx.out.data({ keys, count: keys.length, scanned: counter.scanned, truncated: keys.length >= limit });
  if (counter.scanned >= progressEvery)
    ctx.out.note(`done: ${keys.length} of ${counter.scanned} scanned keys`);
}
