import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { optionRows } from '../scripts/options-table.js';
import { ENVIRONMENT_VARIABLES } from '../src/ai-cache/config/env.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('README stays in sync with the code', () => {
  it('documents every option with its default, as generated from the zod schema', () => {
    const missing = optionRows().filter((row) => !readme.includes(row));
    expect(missing, 'regenerate with: npx tsx scripts/options-table.ts').toEqual([]);
  });

  it('documents every AI_CACHE_* environment variable', () => {
    expect(
      ENVIRONMENT_VARIABLES.map((v) => v.name).filter((name) => !readme.includes(`\`${name}\``)),
    ).toEqual([]);
  });

  it('shows the two commands', () => {
    expect(readme).toContain('npm install && npm run demo');
    expect(readme).toContain('npm install && npm test');
  });
});
