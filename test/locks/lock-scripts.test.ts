import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  EXTEND,
  evalScript,
  isNoScript,
  RELEASE,
  type ScriptCommands,
  script,
} from '../../src/locks/lock-scripts.js';

describe('lock scripts', () => {
  it('carry the SHA-1 of their source', () => {
    const lua = script('return 1');
    expect(lua.sha).toBe(createHash('sha1').update('return 1').digest('hex'));
    expect(RELEASE.source).toContain("redis.call('PUBLISH'");
    expect(EXTEND.source).toContain("redis.call('PEXPIRE'");
  });

  it('evalScript uses EVALSHA, falls back to EVAL on NOSCRIPT only', async () => {
    const calls: string[] = [];
    const commands = (evalshaError?: Error) =>
      ({
        evalsha: async (sha: string, _n: number, key: string) => {
          calls.push(`evalsha ${sha === RELEASE.sha} ${key}`);
          if (evalshaError) throw evalshaError;
          return 1;
        },
        eval: async (source: string, _n: number, key: string) => {
          calls.push(`eval ${source === RELEASE.source} ${key}`);
          return 2;
        },
      }) as unknown as ScriptCommands;
    await expect(evalScript(commands(), RELEASE, 'k', ['t'])).resolves.toBe(1);
    await expect(
      evalScript(commands(new Error('NOSCRIPT No matching script')), RELEASE, 'k', ['t']),
    ).resolves.toBe(2);
    const other = new Error('WRONGTYPE');
    await expect(evalScript(commands(other), RELEASE, 'k', ['t'])).rejects.toBe(other);
    expect(calls).toEqual(['evalsha true k', 'evalsha true k', 'eval true k', 'evalsha true k']);
    expect(isNoScript(new Error('NOSCRIPT x'))).toBe(true);
    expect(isNoScript('NOSCRIPT')).toBe(false);
  });
});
