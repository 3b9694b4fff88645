/**
 * The command line's exit codes and the errors that carry them.
 *
 * @module
 */

/** Exit codes of `ai-response-cache` (documented in the README's "Command line" section). */
export const ExitCodes = Object.freeze({
  /** The command did what it was asked. */
  ok: 0,
  /** The command failed (bad configuration, unreadable file, missing key, failed Redis command). */
  error: 1,
  /** The command line is wrong (unknown command or option, missing argument). */
  usage: 2,
  /** Redis could not be reached. */
  cannotConnect: 3,
} as const);

/** One of {@link ExitCodes}. */
export type ExitCode = (typeof ExitCodes)[keyof typeof ExitCodes];

/** A wrong command line (exit code 2). */
export class UsageError extends Error {
  /** Always {@link ExitCodes.usage}. */
  readonly exitCode: ExitCode = ExitCodes.usage;
  override readonly name = 'UsageError';
}

/** Redis could not be reached (exit code 3). */
export class ConnectError extends Error {
  /** Always {@link ExitCodes.cannotConnect}. */
  readonly exitCode: ExitCode = ExitCodes.cannotConnect;
  override readonly name = 'ConnectError';
}

/** A failed command (exit code 1) with a message meant for the user. */
export class CommandError extends Error {
  /** Always {@link ExitCodes.error}. */
  readonly exitCode: ExitCode = ExitCodes.error;
  override readonly name = 'CommandError';
}
