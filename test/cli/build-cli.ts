/**
 * Builds the `ai-response-cache` bin once per test file (tsup, as the package build does, into
 * `.tmp/`, so that its dependencies resolve from the repository's node_modules): each command
 * then runs as a plain `node` child process, without a TypeScript loader per run.
 */
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'tsup';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Builds the bin; resolves its path and a function removing it. */
export async function buildCli(): Promise<{ bin: string; remove(): void }> {
  const outDir = join(root, '.tmp', `cli-test-${randomUUID().slice(0, 8)}`);
  await build({
    entry: { cli: join(root, 'src/cli/main.ts') },
    outDir,
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    dts: false,
    sourcemap: false,
    silent: true,
    config: false,
    clean: false,
  });
  return { bin: join(outDir, 'cli.js'), remove: () => rmSync(outDir, { recursive: true, force: true }) };
}
