/**
 * `ttlProblem` (main entry): why a value is not a valid TTL, as a sentence naming the value
 * given, or `undefined` for a valid one. It agrees with `tryParseTtl` and is the issue message
 * of `parseTtl`'s `ValidationError`.
 */
import { describe, expect, it } from 'vitest';
import { MAX_TTL_MS, parseTtl, tryParseTtl, ttlProblem, ValidationError } from '../../src/index.js';

const EXPECTED =
  "expected a positive number of milliseconds or a duration such as '500ms', '30s', '5m', '2h', '1d'";

describe('ttlProblem', () => {
  it('is undefined for valid TTLs: milliseconds, durations, combined parts, the maximum itself', () => {
    for (const ttl of [
      1,
      1000,
      0.5,
      '500ms',
      '30s',
      '5m',
      '2h',
      '1d',
      '1w',
      '1.5h',
      '1h30m',
      ' 5m ',
      '250',
      MAX_TTL_MS,
    ])
      expect(ttlProblem(ttl)).toBeUndefined();
  });

  it('documents its example: a number above the maximum', () => {
    expect(ttlProblem(1e20)).toBe(
      'is 100000000000000000000 ms, above the maximum of 315360000000 ms (10 years)',
    );
    expect(ttlProblem(MAX_TTL_MS + 1)).toBe(
      `is ${MAX_TTL_MS + 1} ms, above the maximum of 315360000000 ms (10 years)`,
    );
  });

  it('names a string above the maximum with its milliseconds', () => {
    expect(ttlProblem('3651d')).toBe(
      'is "3651d" (315446400000 ms), above the maximum of 315360000000 ms (10 years)',
    );
  });

  it('says what is wrong with NaN, infinities, zero and negative numbers', () => {
    expect(ttlProblem(Number.NaN)).toBe(`is NaN; ${EXPECTED} (got NaN)`);
    expect(ttlProblem(Number.POSITIVE_INFINITY)).toBe(
      `is Infinity, not a finite duration; ${EXPECTED} (got Infinity)`,
    );
    expect(ttlProblem(Number.NEGATIVE_INFINITY)).toBe(
      `is -Infinity, not a finite duration; ${EXPECTED} (got -Infinity)`,
    );
    expect(ttlProblem(0)).toBe(`is 0, not a positive duration; ${EXPECTED} (got 0)`);
    expect(ttlProblem(-5)).toBe(`is -5, not a positive duration; ${EXPECTED} (got -5)`);
  });

  it('quotes unparseable strings (long ones cut at 64 characters) and names other types', () => {
    expect(ttlProblem('soon')).toBe(`${EXPECTED} (got "soon")`);
    expect(ttlProblem('')).toBe(`${EXPECTED} (got "")`);
    expect(ttlProblem('5 minutes')).toBe(`${EXPECTED} (got "5 minutes")`);
    expect(ttlProblem('0s')).toBe(`${EXPECTED} (got "0s")`);
    const long = 'x'.repeat(100);
    expect(ttlProblem(long)).toBe(`${EXPECTED} (got "${'x'.repeat(64)}…")`);
    expect(ttlProblem(null)).toBe(`${EXPECTED} (got null)`);
    expect(ttlProblem(undefined)).toMatch(/^expected a positive number .* \(got an? undefined\)$/);
    expect(ttlProblem({})).toBe(`${EXPECTED} (got an object)`);
    expect(ttlProblem([1000])).toBe(`${EXPECTED} (got an array)`);
    expect(ttlProblem(true)).toBe(`${EXPECTED} (got a boolean)`);
  });

  it('agrees with tryParseTtl on every input', () => {
    const inputs: unknown[] = [
      1,
      '5m',
      '1h30m',
      0,
      -1,
      Number.NaN,
      1e20,
      '3651d',
      'soon',
      '',
      null,
      {},
      MAX_TTL_MS,
    ];
    for (const input of inputs)
      expect(ttlProblem(input) === undefined).toBe(tryParseTtl(input) !== undefined);
  });

  it("is the message of parseTtl's ValidationError issue, under the field given", () => {
    let error: unknown;
    try {
      parseTtl(-5, 'operationTtls.qa');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues).toEqual([
      { path: 'operationTtls.qa', message: ttlProblem(-5) },
    ]);
  });
});
