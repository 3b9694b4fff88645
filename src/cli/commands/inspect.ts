/**
 * `inspect <key>`: the decoded envelope of one stored entry.
 *
 * @module
 */
import { createEntryCodec } from '../../compression/codec.js';
import { CodecIds } from '../../compression/compressors.js';
import type { CommandContext } from '../context.js';
import { CommandError } from '../errors.js';

/** Offset of the codec id in the envelope header (versions 1 and 2). */
const CODEC_OFFSET = 3;

const iso = (ms: number) => (Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms));

/** Runs `inspect`. */
export async function inspectCommand(ctx: CommandContext): Promise<void> {
  const key = ctx.positionals[0] as string;
  const { backend } = await ctx.redis();
  const bytes = await backend.get(key);
  if (bytes === undefined) throw new CommandError(`no entry under ${key}`);
  const codec = createEntryCodec();
  await codec.ready();
  let entry: ReturnType<typeof codec.decode>;
  try {
    entry = codec.decode(bytes, key);
  } catch (error) {
    throw new CommandError(`${key} does not hold a valid entry: ${(error as Error).message}`);
  }
  const id = bytes[CODEC_OFFSET];
  const codecName = Object.entries(CodecIds).find(([, v]) => v === id)?.[0] ?? `unknown (${id})`;
  const result = {
    key,
    version: entry.version,
    codec: codecName,
    compressed: entry.compressed,
    stream: entry.stream ?? false,
    bytes: entry.bytes,
    rawBytes: entry.rawBytes,
    createdAt: iso(entry.createdAt),
    freshUntil: iso(entry.freshUntil),
    staleUntil: iso(entry.staleUntil),
    tags: entry.tags ?? [],
    value: entry.value,
  };
  ctx.out.data(result);
  const { value, ...header } = result;
  for (const [name, v] of Object.entries(header))
    ctx.out.text(`${`${name}:`.padEnd(12)} ${Array.isArray(v) ? v.join(', ') : v}`);
  ctx.out.text('value:');
  ctx.out.text(JSON.stringify(value, null, 2));
}
