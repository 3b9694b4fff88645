/**
 * Command-line parsing (`node:util` `parseArgs`): the global options, each command's own
 * options and positionals, and the usage text.
 *
 * @module
 */
import { parseArgs } from 'node:util';
import { UsageError } from './errors.js';

/** Every option the tool knows (strings unless `boolean`). */
const OPTIONS = {
  config: { type: 'string' },
  redis: { type: 'string' },
  prefix: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  operation: { type: 'string' },
  namespace: { type: 'string' },
  tag: { type: 'string' },
  limit: { type: 'string' },
  progress: { type: 'string' },
  yes: { type: 'boolean', short: 'y' },
  endpoint: { type: 'string' },
  'base-url': { type: 'string' },
  preset: { type: 'string' },
  iterations: { type: 'string' },
  memory: { type: 'boolean' },
} as const;

/** The parsed options (all optional). */
export type CliOptions = {
  -readonly [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'boolean' ? boolean : string;
};

const GLOBAL = ['config', 'redis', 'prefix', 'json', 'help'] as const;

/** Each command: its own options, its positionals, and its usage line. */
export const COMMANDS = {
  stats: { options: [], positionals: [], usage: 'stats' },
  keys: {
    options: ['operation', 'namespace', 'limit', 'progress'],
    positionals: [],
    usage: 'keys [--operation <op>] [--namespace <ns>] [--limit <n>] [--progress <every n keys>]',
  },
  inspect: { options: [], positionals: ['key'], usage: 'inspect <key>' },
  explain: {
    options: ['endpoint', 'operation', 'namespace', 'base-url'],
    positionals: ['request.json'],
    usage:
      'explain <request.json> [--endpoint chat.completions|responses|embeddings] [--operation <op>] [--namespace <ns>] [--base-url <url>]',
  },
  purge: {
    options: ['operation', 'namespace', 'tag', 'yes'],
    positionals: [],
    usage: 'purge --operation <op> | --namespace <ns> | --tag <tag> [--yes]',
  },
  bench: {
    options: ['preset', 'iterations', 'memory'],
    positionals: [],
    usage: 'bench [--preset quick|standard|comprehensive] [--iterations <n>] [--memory]',
  },
} as const satisfies Record<
  string,
  { options: readonly string[]; positionals: readonly string[]; usage: string }
>;

/** A command name. */
export type CommandName = keyof typeof COMMANDS;

/** The usage text (`--help`). */
export function usage(): string {
  const lines = Object.values(COMMANDS).map((c) => `  ai-response-cache ${c.usage}`);
  return [
    'Usage:',
    ...lines,
    '',
    'Global options:',
    '  --config <file.json>  configuration file (AIResponseCache options), under AI_CACHE_* variables',
    '  --redis <url>         Redis URL (wins over the file and AI_CACHE_REDIS_URL)',
    '  --prefix <prefix>     key prefix (wins over the file and AI_CACHE_PREFIX)',
    '  --json                machine-readable output on stdout',
    '',
    'Exit codes: 0 ok, 1 error, 2 usage, 3 cannot connect to Redis.',
    '',
  ].join('\n');
}

/** A parsed command line. */
export interface ParsedCommand {
  command: CommandName | undefined;
  positionals: string[];
  options: CliOptions;
}

/**
 * Parses `argv` (without `node` and the script).
 * @throws {UsageError} for an unknown command or option, an option the command does not take,
 *   or a wrong number of positionals.
 */
export function parseCommandLine(argv: readonly string[]): ParsedCommand {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; strict: true }>>;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const options = parsed.values as CliOptions;
  const [name, ...positionals] = parsed.positionals;
  if (name === undefined) {
    if (options.help) return { command: undefined, positionals: [], options };
    throw new UsageError('a command is required');
  }
  if (!Object.hasOwn(COMMANDS, name)) throw new UsageError(`unknown command '${name}'`);
  const command = name as CommandName;
  const spec = COMMANDS[command];
  const allowed = new Set<string>([...GLOBAL, ...spec.options]);
  const wrong = Object.keys(options).filter((o) => !allowed.has(o));
  if (wrong.length > 0)
    throw new UsageError(`${command} does not take ${wrong.map((o) => `--${o}`).join(', ')}`);
  if (!options.help && positionals.length !== spec.positionals.length) {
    throw new UsageError(
      spec.positionals.length === 0
        ? `${command} takes no argument`
        : `${command} takes ${spec.positionals.map((p) => `<${p}>`).join(' ')}`,
    );
  }
  return { command, positionals, options };
}

/** A positive integer option, or `fallback`. @throws {UsageError} for anything else. */
export function integerOption(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^[1-9]\d*$/.test(value)) throw new UsageError(`--${name} must be a positive integer, not '${value}'`);
  return Number(value);
}
