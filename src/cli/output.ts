/**
 * Output of the commands: readable text (tables) or JSON (`--json`) on stdout, progress and
 * errors on stderr.
 *
 * @module
 */

/** Where a command writes. */
export interface Output {
  /** Whether `--json` was given. */
  readonly json: boolean;
  /** Writes a line of text (ignored with `--json`). */
  text(line: string): void;
  /** Writes the JSON result (with `--json`; ignored otherwise). */
  data(value: unknown): void;
  /** Writes a progress or diagnostic line on stderr. */
  note(line: string): void;
}

/** An {@link Output} over two writable streams. */
export function createOutput(
  stdout: { write(s: string): unknown },
  stderr: { write(s: string): unknown },
  json: boolean,
): Output {
  return {
    json,
    text(line) {
      if (!json) stdout.write(`${line}\n`);
    },
    data(value) {
      if (json) stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    },
    note(line) {
      stderr.write(`${line}\n`);
    },
  };
}

/** A plain-text table: a header, a rule, the rows; numbers right-aligned. */
export function table(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = rows.map((r) => r.map((c) => String(c)));
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[], numeric: readonly boolean[]) =>
    r
      .map((c, i) => (numeric[i] ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number'));
  return [
    line(header, numeric),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...cells.map((r) => line(r, numeric)),
  ].join('\n');
}

/** `0.756` → `75.6%`. */
export function percent(ratio: number): string {
  return `${(ratio * 100).toFixed(1)}%`;
}
