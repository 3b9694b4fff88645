/**
 * Process warnings of ai-response-cache: each is sent once per process with
 * `process.emitWarning(message, { code })`, so that a setting that is valid but almost
 * certainly not what was meant shows up in the logs without a listener. Node's own switches
 * silence them too (`node --disable-warning=AIRC_TTL_UNITS`, `--no-warnings`).
 *
 * @module
 */

/** The codes of the warnings this library emits with `process.emitWarning` (listed in the README). */
export const WarningCodes = {
  /**
   * A TTL in configuration is an integer below 1000: TTL numbers are milliseconds, so `60`
   * means 60 ms, not a minute. Silenced by a unit (`'60s'`) or a number >= 1000.
   */
  TTL_UNITS: 'AIRC_TTL_UNITS',
  /**
   * The backend failed and the cache now serves from its memory fallback (one process, not
   * shared). Opt out with `fallbackWarning: false`.
   */
  FALLBACK: 'AIRC_FALLBACK',
} as const;

/** One of {@link WarningCodes}. */
export type WarningCode = (typeof WarningCodes)[keyof typeof WarningCodes];

const emitted = new Set<WarningCode>();

/**
 * Emits `message` as a process warning with `code`, the first time `code` is warned about in
 * this process; later calls do nothing. Returns whether it was emitted.
 */
export function warnOnce(code: WarningCode, message: string): boolean {
  if (emitted.has(code)) return false;
  emitted.add(code);
  process.emitWarning(message, { code, type: 'AIResponseCacheWarning' });
  return true;
}

/**
 * The {@link WarningCodes.FALLBACK} warning (once per process): the `backend` failed for
 * `reason` and the cache now serves from its `fallback`. Names only, never a URL or a key.
 */
export function warnFallback(backend: string | undefined, fallback: string, reason: string): void {
  warnOnce(
    WarningCodes.FALLBACK,
    `ai-response-cache: the ${backend ?? 'primary'} backend failed (${reason}); the cache serves from its ${fallback} fallback until it answers again (entries there are not shared between processes). Set fallbackWarning: false to silence this warning.`,
  );
}

/** @internal Forgets which warnings were emitted (tests only). */
export function resetWarningsForTests(): void {
  emitted.clear();
}
