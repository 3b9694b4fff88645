/**
 * Tables of `npm run bench`: console output, `benchmarks/results/latest.md` and `latest.json`.
 *
 * @module
 */
import { markdownTable } from '../src/benchmark/format.js';
import type { CaseResult, RowKind } from './harness.js';

/** A column of a section: which metric, how it is shown. */
export interface Column {
  key: string;
  label: string;
  format: (value: number) => string;
}

/** One row of a section. */
export interface Row {
  name: string;
  kind: RowKind;
  /** Median values by column key. */
  values: Record<string, number>;
  /** Cost relative to the limit row (1 = the limit); `undefined` for rows without one. */
  ratio: number | undefined;
  note?: string | undefined;
}

/** One table. */
export interface Section {
  id: string;
  title: string;
  /** One or two sentences: what is measured and what the limit is. */
  description: string;
  columns: Column[];
  /** Header of the ratio column. */
  ratioLabel: string;
  rows: Row[];
  /** Set when the scenario could not run. */
  skipped?: string;
}

/** A target with its verdict. */
export interface Target {
  label: string;
  /** The rule, e.g. `>= 4x`. */
  expectation: string;
  /** What was measured, formatted. */
  measured: string;
  /** `undefined` when skipped. */
  pass: boolean | undefined;
}

/** What a scenario returns. */
export interface ScenarioOutput {
  sections: Section[];
  targets: Target[];
}

/** Rows from measured cases, the columns' keys read from the medians. */
export function rowsOf(
  results: readonly CaseResult[],
  noteOf?: (r: CaseResult) => string | undefined,
): Row[] {
  return results.map((r) => ({
    name: r.name,
    kind: r.kind,
    values: r.median,
    ratio: r.ratio,
    note: noteOf?.(r) ?? r.note,
  }));
}

const KIND_MARK: Record<RowKind, string> = { limit: 'limit', ours: 'ours', competitor: '', info: '' };

function ratioCell(row: Row): string {
  if (row.ratio === undefined || !Number.isFinite(row.ratio)) return '—';
  const r = row.ratio;
  return `${r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r.toFixed(2)}x`;
}

function cells(section: Section): { header: string[]; body: string[][] } {
  const header = ['Case', 'Role', ...section.columns.map((c) => c.label), section.ratioLabel, 'Note'];
  const body = section.rows.map((row) => [
    row.name,
    KIND_MARK[row.kind],
    ...section.columns.map((c) => {
      const v = row.values[c.key];
      return v === undefined || Number.isNaN(v) ? '—' : c.format(v);
    }),
    ratioCell(row),
    row.note ?? '',
  ]);
  return { header, body };
}

/** A fixed-width text table. */
function textTable(header: readonly string[], body: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]) =>
    r
      .map((c, i) => (i === 0 || i === r.length - 1 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

/** Console rendering of sections and targets. */
export function renderText(sections: readonly Section[], targets: readonly Target[]): string {
  const out: string[] = [];
  for (const s of sections) {
    out.push('', `== ${s.title}`, s.description);
    if (s.skipped) {
      out.push(`skipped: ${s.skipped}`);
      continue;
    }
    const { header, body } = cells(s);
    out.push(textTable(header, body));
  }
  out.push('', '== Targets');
  out.push(
    textTable(
      ['Target', 'Rule', 'Measured', 'Verdict'],
      targets.map((t) => [t.label, t.expectation, t.measured, verdict(t)]),
    ),
  );
  return out.join('\n');
}

function verdict(t: Target): string {
  return t.pass === undefined ? 'SKIPPED' : t.pass ? 'PASS' : 'FAIL';
}

/** Markdown rendering of sections and targets (`benchmarks/results/latest.md`). */
export function renderMarkdown(
  header: string,
  sections: readonly Section[],
  targets: readonly Target[],
): string {
  const out: string[] = [header, '', '### Targets', ''];
  out.push(
    markdownTable(
      ['Target', 'Rule', 'Measured', 'Verdict'],
      targets.map((t) => [t.label, t.expectation, t.measured, `**${verdict(t)}**`]),
    ),
  );
  for (const s of sections) {
    out.push('', `### ${s.title}`, '', s.description, '');
    if (s.skipped) {
      out.push(`_skipped: ${s.skipped}_`);
      continue;
    }
    const { header: h, body } = cells(s);
    out.push(markdownTable(h, body));
  }
  return `${out.join('\n')}\n`;
}

/** JSON rendering (raw numbers, no formatting). */
export function toJson(
  meta: Record<string, unknown>,
  sections: readonly Section[],
  targets: readonly Target[],
): unknown {
  return {
    ...meta,
    targets,
    sections: sections.map((s) => ({
      id: s.id,
      title: s.title,
      description: s.description,
      ratio: s.ratioLabel,
      ...(s.skipped ? { skipped: s.skipped } : {}),
      columns: s.columns.map((c) => ({ key: c.key, label: c.label })),
      rows: s.rows,
    })),
  };
}
