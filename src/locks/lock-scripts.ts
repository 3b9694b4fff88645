/**
 * The Lua scripts of the Redis lock (token-checked release and extend), run by `EVALSHA` with
 * an `EVAL` fallback.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/** The script commands; `Redis` and `Cluster` both provide them. */
export type ScriptCommands = Pick<Redis, 'evalsha' | 'eval'>;

/** A Lua script, run by `EVALSHA` with an `EVAL` fallback. */
export interface Script {
  readonly source: string;
  readonly sha: string;
}

/** A script and its SHA-1 (what `EVALSHA` names it by). */
export function script(source: string): Script {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/**
 * KEYS[1] lock key, ARGV[1] token, ARGV[2] channel, ARGV[3] message (the lock key as the
 * waiters know it). Deletes only the holder's lock, and announces the release in the same
 * atomic step.
 */
export const RELEASE = script(`if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('PUBLISH', ARGV[2], ARGV[3])
  return 1
end
return 0`);

/** KEYS[1] lock key, ARGV[1] token, ARGV[2] new TTL in ms. */
export const EXTEND = script(`if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0`);

/** Whether `error` is Redis' `NOSCRIPT` reply (the script is not in its cache). */
export function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}

/** Runs `lua` on one key: `EVALSHA`, falling back to `EVAL` when the server does not know the script yet. */
export async function evalScript(
  commands: ScriptCommands,
  lua: Script,
  key: string,
  args: (string | number)[],
): Promise<unknown> {
  try {
    return await commands.evalsha(lua.sha, 1, key, ...args);
  } catch (error) {
    if (!isNoScript(error)) throw error;
    return commands.eval(lua.source, 1, key, ...args);
  }
}
