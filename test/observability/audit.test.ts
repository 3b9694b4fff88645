import { describe, expect, it } from 'vitest';
import type { GetContext, SetContext } from '../../src/cache/events.js';
import { ValidationError } from '../../src/errors.js';
import { AuditCallback, type AuditOp, type AuditRecord } from '../../src/observability/index.js';

const T0 = Date.UTC(2024, 0, 2, 3, 4, 5, 6);

function setup(options: { includeValues?: boolean; ops?: AuditOp[] } = {}) {
  const records: AuditRecord[] = [];
  let now = T0;
  const audit = new AuditCallback({ log: (r) => records.push(r), now: () => now++, ...options });
  return { audit, records };
}

const hit: GetContext = { key: 'app:user:1', tier: 'l2', value: { secret: 'value' }, durationMs: 1.5 };
const set: SetContext = {
  key: 'app:user:1',
  value: { secret: 'value' },
  ttlMs: 60_000,
  bytes: 321,
  tags: ['users'],
  durationMs: 2.5,
};

describe('AuditCallback', () => {
  it('records hits, writes, deletions, misses and errors', () => {
    const { audit, records } = setup();
    expect(audit.onGet(hit)).toBeUndefined();
    audit.onSet(set);
    audit.onDelete({ key: 'k', existed: true, durationMs: 0.5 });
    audit.onMiss({ key: 'k', durationMs: 0.25 });
    audit.onError({ key: 'k', op: 'get', error: new TypeError('boom') });
    expect(records).toEqual([
      {
        timestamp: '2024-01-02T03:04:05.006Z',
        op: 'get',
        key: 'app:user:1',
        result: 'hit',
        tier: 'l2',
        durationMs: 1.5,
      },
      {
        timestamp: '2024-01-02T03:04:05.007Z',
        op: 'set',
        key: 'app:user:1',
        result: 'ok',
        durationMs: 2.5,
        bytes: 321,
        ttlMs: 60_000,
        tags: ['users'],
      },
      {
        timestamp: '2024-01-02T03:04:05.008Z',
        op: 'delete',
        key: 'k',
        result: 'ok',
        durationMs: 0.5,
        existed: true,
      },
      { timestamp: '2024-01-02T03:04:05.009Z', op: 'miss', key: 'k', result: 'miss', durationMs: 0.25 },
      {
        timestamp: '2024-01-02T03:04:05.010Z',
        op: 'error',
        key: 'k',
        result: 'error',
        durationMs: 0,
        failedOp: 'get',
        error: { name: 'TypeError', message: 'boom' },
      },
    ]);
  });

  it('never includes values by default', () => {
    const { audit, records } = setup();
    audit.onGet(hit);
    audit.onSet(set);
    for (const record of records) expect(record).not.toHaveProperty('value');
    expect(JSON.stringify(records)).not.toContain('secret');
  });

  it('includes values when asked', () => {
    const { audit, records } = setup({ includeValues: true });
    audit.onGet(hit);
    audit.onSet(set);
    expect(records.map((r) => r.value)).toEqual([hit.value, set.value]);
  });

  it('records only the selected ops', () => {
    const { audit, records } = setup({ ops: ['miss', 'error'] });
    audit.onGet(hit);
    audit.onSet(set);
    audit.onDelete({ key: 'k', existed: false, durationMs: 1 });
    audit.onMiss({ key: 'k', durationMs: 1 });
    audit.onError({ key: 'k', op: 'set', error: new Error('x') });
    expect(records.map((r) => r.op)).toEqual(['miss', 'error']);
  });

  it('keeps only name and message of errors and masks URL passwords', () => {
    const { audit, records } = setup();
    const error = new Error('connect ECONNREFUSED redis://default:p4ssw0rd@10.0.0.1:6379', {
      cause: 'inner',
    });
    audit.onError({ key: '', op: 'connect', error, durationMs: 12 });
    expect(records[0]?.error).toEqual({
      name: 'Error',
      message: 'connect ECONNREFUSED redis://default:***@10.0.0.1:6379',
    });
    expect(records[0]?.durationMs).toBe(12);
    expect(JSON.stringify(records)).not.toContain('p4ssw0rd');
  });

  it('copies tags', () => {
    const { audit, records } = setup();
    const tags = ['a'];
    audit.onSet({ ...set, tags });
    tags.push('b');
    expect(records[0]?.tags).toEqual(['a']);
  });

  it('validates its options', () => {
    expect(() => new AuditCallback({ log: undefined as never, ops: ['nope' as AuditOp] })).toThrow(
      ValidationError,
    );
    try {
      new AuditCallback({ log: undefined as never, ops: ['nope' as AuditOp] });
    } catch (error) {
      expect((error as ValidationError).issues.map((i) => i.path)).toEqual(['log', 'ops']);
    }
  });
});
