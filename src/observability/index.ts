/**
 * Built-in cache callbacks, registered with `cache.use(...)`: an audit trail, latency
 * percentiles with slow-operation detection, and threshold alerts.
 *
 * @module
 */
export {
  type Alert,
  AlertingCallback,
  type AlertingCallbackOptions,
  type AlertKind,
  type AlertListener,
} from './alerting.js';
export {
  AUDIT_OPS,
  AuditCallback,
  type AuditCallbackOptions,
  type AuditOp,
  type AuditRecord,
} from './audit.js';
export {
  nearestRank,
  type OperationStats,
  PERFORMANCE_OPS,
  PerformanceCallback,
  type PerformanceCallbackOptions,
  type PerformanceOp,
  type PerformanceReport,
  type SlowOperation,
} from './performance.js';
