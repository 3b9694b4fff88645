/**
 * Direct tests of the error exports of the main entry: `CacheError` (the base class),
 * `LockTimeoutError`, `ErrorCodes` and `httpStatusFor`. The lock timeout raised by a real
 * `getOrSet` over a real
 * redis-server is in `errors.exports.redis.test.ts`.
 */
import { describe, expect, it } from 'vitest';
import {
  CacheError,
  CircuitOpenError,
  ConfigurationError,
  ErrorCodes,
  httpStatusFor,
  InfrastructureError,
  LockTimeoutError,
  parseTtl,
  SerializationError,
  TimeoutError,
  ValidationError,
} from '../src/index.js';

describe('CacheError', () => {
  it('carries a message, the default code E_CACHE, an empty frozen context and no cause', () => {
    const error = new CacheError('something failed');
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toBe('something failed');
    expect(error.name).toBe('CacheError');
    expect(error.code).toBe(ErrorCodes.CACHE);
    expect(error.code).toBe('E_CACHE');
    expect(error.context).toEqual({});
    expect(Object.isFrozen(error.context)).toBe(true);
    expect('cause' in error).toBe(false);
  });

  it('keeps the cause and a frozen copy of the context (later edits of the given object do not show)', () => {
    const cause = new Error('socket closed');
    const context: Record<string, unknown> = { key: 'k', attempt: 2 };
    const error = new CacheError('read failed', { cause, context }, ErrorCodes.INFRASTRUCTURE);
    expect(error.cause).toBe(cause);
    expect(error.code).toBe('E_INFRASTRUCTURE');
    context.key = 'changed';
    expect(error.context).toEqual({ key: 'k', attempt: 2 });
    expect(() => {
      (error.context as Record<string, unknown>).key = 'x';
    }).toThrow(TypeError);
  });

  it('is the base of every error class of the library, each named after its class with its own code', () => {
    const cases: [CacheError, string, string][] = [
      [new ConfigurationError('c'), 'ConfigurationError', 'E_CONFIGURATION'],
      [new ValidationError('v', [{ path: 'ttl', message: 'bad' }]), 'ValidationError', 'E_VALIDATION'],
      [new InfrastructureError('i'), 'InfrastructureError', 'E_INFRASTRUCTURE'],
      [new CircuitOpenError('o'), 'CircuitOpenError', 'E_CIRCUIT_OPEN'],
      [new SerializationError('s'), 'SerializationError', 'E_SERIALIZATION'],
      [new LockTimeoutError('l'), 'LockTimeoutError', 'E_LOCK_TIMEOUT'],
      [new TimeoutError('t'), 'TimeoutError', 'E_TIMEOUT'],
    ];
    for (const [error, name, code] of cases) {
      expect(error).toBeInstanceOf(CacheError);
      expect(error.name).toBe(name);
      expect(error.code).toBe(code);
    }
  });

  it('a subclass of CacheError defined by a user is named after its own class', () => {
    class QuotaError extends CacheError {}
    const error = new QuotaError('over quota');
    expect(error.name).toBe('QuotaError');
    expect(error).toBeInstanceOf(CacheError);
    expect(error.code).toBe('E_CACHE');
  });

  it('what the library throws is a CacheError (a ValidationError from parseTtl)', () => {
    const error = (() => {
      try {
        parseTtl('soon');
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(CacheError);
    expect((error as CacheError).code).toBe(ErrorCodes.VALIDATION);
  });
});

describe('ErrorCodes', () => {
  it('lists one distinct E_* code per error class', () => {
    const codes = Object.values(ErrorCodes);
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) expect(code).toMatch(/^E_[A-Z_]+$/);
    expect(ErrorCodes).toMatchObject({ LOCK_TIMEOUT: 'E_LOCK_TIMEOUT', CIRCUIT_OPEN: 'E_CIRCUIT_OPEN' });
  });
});

describe('LockTimeoutError', () => {
  it('has code E_LOCK_TIMEOUT, the given context and cause', () => {
    const cause = new Error('still held');
    const error = new LockTimeoutError('Timed out waiting', { context: { key: 'k', waitMs: 50 }, cause });
    expect(error).toBeInstanceOf(LockTimeoutError);
    expect(error).toBeInstanceOf(CacheError);
    expect(error).not.toBeInstanceOf(InfrastructureError);
    expect(error.code).toBe(ErrorCodes.LOCK_TIMEOUT);
    expect(error.context).toEqual({ key: 'k', waitMs: 50 });
    expect(error.cause).toBe(cause);
  });
});

describe('httpStatusFor', () => {
  it('maps validation errors to 422', () => {
    expect(httpStatusFor(new ValidationError('bad input'))).toBe(422);
  });

  it('maps infrastructure errors (circuit open included), lock timeouts and timeouts to 503', () => {
    expect(httpStatusFor(new InfrastructureError('down'))).toBe(503);
    expect(httpStatusFor(new InfrastructureError('one key', { scope: 'key' }))).toBe(503);
    expect(httpStatusFor(new CircuitOpenError('open'))).toBe(503);
    expect(httpStatusFor(new LockTimeoutError('waited'))).toBe(503);
    expect(httpStatusFor(new TimeoutError('slow'))).toBe(503);
  });

  it('maps everything else to 500: other cache errors, plain errors, non-errors', () => {
    expect(httpStatusFor(new ConfigurationError('misconfigured'))).toBe(500);
    expect(httpStatusFor(new SerializationError('undecodable'))).toBe(500);
    expect(httpStatusFor(new CacheError('generic'))).toBe(500);
    expect(httpStatusFor(new Error('boom'))).toBe(500);
    expect(httpStatusFor('a string')).toBe(500);
    expect(httpStatusFor(undefined)).toBe(500);
    expect(httpStatusFor({ code: 'E_VALIDATION' })).toBe(500);
  });
});
