/**
 * `purge --operation | --namespace | --tag`: deletes the matching entries (SCAN, then UNLINK
 * batch by batch) and tells the processes of the fleet to drop their L1 copies (a `delete`
 * message on the invalidation bus `{prefix}:#bus`, the channel `AIResponseCache` uses).
 *
 * @module
 */
import { RedisInvalidationBus } from '../../bus/index.js';
import { createEntryCodec } from '../../compression/codec.js';
import type { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';
import { scanEntries } from './scan.js';

const BATCH = 200;

/** Runs `purge`. */
export async function purgeCommand(ctx: CommandContext): Promise<void> {
  const { operation, namespace, tag, yes } = ctx.options;
  if (operation === undefined && namespace === undefined && tag === undefined) {
    throw new UsageError('purge needs --operation, --namespace or --tag');
  }
  const what = [
    operation === undefined ? undefined : `operation '${operation}'`,
    namespace === undefined ? undefined : `namespace '${namespace}'`,
    tag === undefined ? undefined : `tag '${tag}'`,
  ]
    .filter((w) => w !== undefined)
    .join(', ');
  if (!yes && !(await ctx.confirm(`Delete every entry of ${what} under '${ctx.config.prefix}:'?`))) {
    ctx.out.note('nothing deleted');
    ctx.out.data({ deleted: 0, scanned: 0, confirmed: false });
    return;
  }
  const { backend, client } = await ctx.redis();
  const codec = createEntryCodec();
  await codec.ready();
  const bus = new RedisInvalidationBus({ client, channel: `${ctx.config.prefix}:#bus` });
  const counter = { scanned: 0 };
  let matched = 0;
  let deleted = 0;
  let batch: string[] = [];
  const drain = async () => {
    let keys = batch;
    batch = [];
    if (tag !== undefined) {
      const values = await backend.getMany(keys);
      keys = keys.filter((key, i) => {
        const bytes = values[i];
        return bytes !== undefined && (codec.readMeta(bytes, key)?.tags ?? []).includes(tag);
      });
    }
    matched += keys.length;
    const removed = await Promise.all(keys.map((key) => backend.delete(key)));
    deleted += removed.filter(Boolean).length;
    await bus.publish({ type: 'delete', keys });
  };
  try {
    for await (const key of scanEntries(
      backend,
      ctx.config.prefix,
      { operation, namespace },
      ctx.out,
      counter,
    )) {
      batch.push(key);
      if (batch.length >= BATCH) await drain();
    }
    if (batch.length > 0) await drain();
  } finally {
    await bus.close();
  }
  ctx.out.data({ deleted, matched, scanned: counter.scanned, confirmed: true });
  ctx.out.text(`deleted ${deleted} entr${deleted === 1 ? 'y' : 'ies'} (${counter.scanned} keys scanned)`);
}
