import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ENVELOPE_FORMAT_VERSION,
  ENVELOPE_HEADER_BYTES,
  ENVELOPE_LAYOUT,
  ENVELOPE_V1_HEADER_BYTES,
} from '../../src/compression/index.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The rows of the README's "Entry format (v2)" table: offset, size and field name. */
function readmeHeaderRows(): { field: string; offset: number; size: number }[] {
  const start = readme.indexOf('#### Entry format (v2)');
  expect(start, 'README has an "Entry format (v2)" section').toBeGreaterThan(0);
  const section = readme.slice(start, readme.indexOf('\n#', start + 10));
  const rows: { field: string; offset: number; size: number }[] = [];
  for (const line of section.split('\n')) {
    const match = /^\| (\d+) \| (\d+) \| `(\w+)` \|/.exec(line);
    if (match) rows.push({ offset: Number(match[1]), size: Number(match[2]), field: match[3] as string });
  }
  return rows;
}

describe('README entry format', () => {
  it('lists the header fields exactly as the codec lays them out', () => {
    expect(readmeHeaderRows()).toEqual(
      ENVELOPE_LAYOUT.map(({ field, offset, size }) => ({ field, offset, size })),
    );
  });

  it('the layout is contiguous and ends where the header ends', () => {
    let offset = 0;
    for (const field of ENVELOPE_LAYOUT) {
      expect(field.offset).toBe(offset);
      offset += field.size;
    }
    expect(offset).toBe(ENVELOPE_HEADER_BYTES);
    const start = readme.indexOf('#### Entry format (v2)');
    const section = readme.slice(start, readme.indexOf('\n#', start + 10));
    expect(section).toContain(`exactly ${ENVELOPE_HEADER_BYTES} + t + n bytes`);
    expect(section).toContain(`format version: \`${ENVELOPE_FORMAT_VERSION}\``);
    expect(section).toContain(`start at\noffset ${ENVELOPE_V1_HEADER_BYTES}`);
  });
});
