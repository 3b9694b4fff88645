import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InfrastructureError } from '../../src/errors.js';
import { Deadlines } from '../../src/redis/deadlines.js';
import { scopeOf, toInfrastructureError } from '../../src/redis/failures.js';

/** A promise the test settles. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('Deadlines (the one bounded-command helper)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('passes values and rejections through, mapped, and stops its timer when idle', async () => {
    const deadlines = new Deadlines();
    const a = deferred<number>();
    const b = deferred<number>();
    const mapped = deadlines.bound(
      a.promise,
      1000,
      () => new Error('late'),
      (n) => n * 2,
    );
    const failed = deadlines.bound(b.promise, 1000, () => new Error('late'));
    expect(deadlines.size).toBe(2);
    a.resolve(21);
    b.reject(new Error('WRONGTYPE'));
    expect(await mapped).toBe(42);
    await expect(failed).rejects.toThrow('WRONGTYPE');
    expect(deadlines.size).toBe(0);
    await vi.advanceTimersByTimeAsync(1000);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects a command once its deadline passed (within a quarter of it), drops the late answer', async () => {
    const deadlines = new Deadlines();
    const hung = deferred<string>();
    const bounded = deadlines.bound(hung.promise, 400, () => new Error('timed out'));
    const outcome = bounded.then(
      () => 'resolved',
      (error: Error) => error.message,
    );
    await vi.advanceTimersByTimeAsync(399);
    expect(deadlines.size).toBe(1);
    await vi.advanceTimersByTimeAsync(101);
    expect(await outcome).toBe('timed out');
    hung.resolve('late');
    await vi.advanceTimersByTimeAsync(1000);
    expect(deadlines.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('one timer serves every command; a shorter deadline re-arms it faster; rejectAll empties it', async () => {
    const deadlines = new Deadlines();
    const outcomes: string[] = [];
    const track = (p: Promise<unknown>, name: string) =>
      p.then(
        () => outcomes.push(`${name}:ok`),
        (e: Error) => outcomes.push(`${name}:${e.message}`),
      );
    const long = track(
      deadlines.bound(new Promise(() => {}), 10_000, () => new Error('timeout')),
      'long',
    );
    const short = track(
      deadlines.bound(new Promise(() => {}), 40, () => new Error('timeout')),
      'short',
    );
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(50);
    await short;
    expect(outcomes).toEqual(['short:timeout']);
    deadlines.rejectAll(new Error('closed'));
    await long;
    expect(outcomes).toEqual(['short:timeout', 'long:closed']);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('failure scopes', () => {
  const reply = (message: string) => Object.assign(new Error(message), { name: 'ReplyError' });

  it('connection-level failures are scope "connection"', () => {
    for (const error of [
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
      Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
      Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }),
      new Error('Connection is closed.'),
      new Error("Stream isn't writeable and enableOfflineQueue options is false"),
      new Error('Command timed out'),
      reply('LOADING Redis is loading the dataset in memory'),
      reply('NOAUTH Authentication required.'),
      reply("READONLY You can't write against a read only replica."),
      new InfrastructureError('timed out'),
    ]) {
      expect(scopeOf(error), error.message).toBe('connection');
    }
  });

  it('error replies about one command are scope "key", and the wrapped error says so without arguments', () => {
    const wrongType = Object.assign(
      reply('WRONGTYPE Operation against a key holding the wrong kind of value'),
      {
        command: { name: 'get', args: ['secret-key'] },
      },
    );
    expect(scopeOf(wrongType)).toBe('key');
    expect(scopeOf(reply("OOM command not allowed when used memory > 'maxmemory'."))).toBe('key');
    const wrapped = toInfrastructureError(wrongType, { what: 'Redis', op: 'get', target: '127.0.0.1:6379' });
    expect(wrapped).toBeInstanceOf(InfrastructureError);
    expect((wrapped as InfrastructureError).scope).toBe('key');
    expect(JSON.stringify([wrapped.message, wrapped.context, String(wrapped.cause)])).not.toContain(
      'secret-key',
    );
    expect((wrapped.cause as { command?: unknown }).command).toBeUndefined();
  });
});
