/**
 * `ai-response-cache <command>`: parses the command line, reads the configuration, runs the
 * command and maps failures to exit codes ({@link ExitCodes}).
 *
 * @module
 */
import { createInterface } from 'node:readline/promises';
import { ValidationError } from '../errors.js';
import { type CommandName, parseCommandLine, usage } from './args.js';
import { benchCommand } from './commands/bench.js';
import { explainCommand } from './commands/explain.js';
import { inspectCommand } from './commands/inspect.js';
import { keysCommand } from './commands/keys.js';
import { purgeCommand } from './commands/purge.js';
import { statsCommand } from './commands/stats.js';
import { type CommandContext, loadConfig, redisConnector } from './context.js';
import { type ExitCode, ExitCodes, UsageError } from './errors.js';
import { createOutput } from './output.js';

/** What a run reads and writes (the process's by default; tests pass their own). */
export interface CliIo {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: Record<string, string | undefined>;
}

const COMMAND_RUNNERS: Readonly<Record<CommandName, (ctx: CommandContext) => Promise<void>>> = {
  stats: statsCommand,
  keys: keysCommand,
  inspect: inspectCommand,
  explain: explainCommand,
  purge: purgeCommand,
  bench: benchCommand,
};

/** Commands that never connect to Redis. */
const OFFLINE = new Set<CommandName>(['explain']);

function exitCodeOf(error: unknown): ExitCode {
  const code = (error as { exitCode?: unknown }).exitCode;
  return typeof code === 'number' ? (code as ExitCode) : ExitCodes.error;
}

/** Runs one command line; resolves its exit code (never rejects). */
export async function runCli(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  let json = argv.includes('--json');
  const out = () => createOutput(io.stdout, io.stderr, json);
  let connector: ReturnType<typeof redisConnector> | undefined;
  try {
    const parsed = parseCommandLine(argv);
    json = parsed.options.json === true;
    if (parsed.options.help || parsed.command === undefined) {
      io.stdout.write(usage());
      return ExitCodes.ok;
    }
    const config = loadConfig(parsed.options, io.env);
    connector = OFFLINE.has(parsed.command) ? undefined : redisConnector(config);
    const ctx: CommandContext = {
      config,
      options: parsed.options,
      positionals: parsed.positionals,
      out: out(),
      redis: () => {
        if (!connector) throw new Error(`${parsed.command} does not use Redis`);
        return connector.connect();
      },
      async confirm(question) {
        if (!io.stdin.isTTY) throw new UsageError('stdin is not a terminal: give --yes to confirm');
        const rl = createInterface({ input: io.stdin, output: io.stderr as NodeJS.WritableStream });
        try {
          return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
        } finally {
          rl.close();
        }
      },
    };
    await COMMAND_RUNNERS[parsed.command](ctx);
    return ExitCodes.ok;
  } catch (error) {
    const code = exitCodeOf(error);
    const message =
      error instanceof ValidationError
        ? `${error.message}\n${error.issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`
        : (error as Error).message;
    if (json) io.stdout.write(`${JSON.stringify({ error: message, exitCode: code })}\n`);
    io.stderr.write(`ai-response-cache: ${message}\n`);
    if (code === ExitCodes.usage) io.stderr.write(`\n${usage()}`);
    return code;
  } finally {
    await connector?.close();
  }
}
