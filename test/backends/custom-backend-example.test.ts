/**
 * The README's worked backend example (examples/custom-backend.ts): the exported conformance
 * suite on it, in a temp dir per test, then the example itself.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileBackend, runCustomBackendExample } from '../../examples/custom-backend.js';
import { backendConformance } from '../../src/testing/index.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

backendConformance(
  'FileBackend (examples/custom-backend.ts)',
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'arc-file-conformance-'));
    dirs.push(dir);
    return new FileBackend({ dir });
  },
  // FileBackend does not page (one readdir): 300 files are enough, and quick on a loaded machine.
  { manyKeys: 300, timeoutMs: 60_000 },
);

describe('examples/custom-backend.ts', () => {
  it('a Cache over the FileBackend answers the second run from the files', async () => {
    const lines: string[] = [];
    await runCustomBackendExample((line) => lines.push(line));
    expect(lines[0]).toBe('report {"total":42,"rows":["a","b"]}: 1 producer call over two runs');
    expect(lines[1]).toBe('1 file in a temp dir');
  });
});
