/**
 * Number formatting shared by the benchmark reports.
 *
 * @module
 */

/** A duration given in milliseconds, in the unit that keeps 3 significant digits: `85 ns`, `12.3 µs`, `4.56 ms`, `1.20 s`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  const abs = Math.abs(ms);
  if (abs < 0.001) return `${trim(ms * 1e6)} ns`;
  if (abs < 1) return `${trim(ms * 1e3)} µs`;
  if (abs < 1000) return `${trim(ms)} ms`;
  return `${trim(ms / 1000)} s`;
}

/** Operations per second, with thousands separators (`1,234,567`), or `1.23M`-style when `compact`. */
export function formatRate(opsPerSec: number, compact = false): string {
  if (!Number.isFinite(opsPerSec)) return String(opsPerSec);
  if (compact) {
    if (opsPerSec >= 1e6) return `${trim(opsPerSec / 1e6)}M`;
    if (opsPerSec >= 1e3) return `${trim(opsPerSec / 1e3)}k`;
  }
  return Math.round(opsPerSec).toLocaleString('en-US');
}

/** A ratio: `1.08x`. */
export function formatRatio(ratio: number): string {
  if (!Number.isFinite(ratio)) return '—';
  return `${ratio >= 100 ? ratio.toFixed(0) : ratio >= 10 ? ratio.toFixed(1) : ratio.toFixed(2)}x`;
}

/** A share (0-1) as a percentage: `99.5%`. */
export function formatPercent(share: number): string {
  if (!Number.isFinite(share)) return '—';
  return `${(share * 100).toFixed(share === 1 || share === 0 ? 0 : 1)}%`;
}

/** A size in bytes: `512 B`, `2.0 KB`, `48.8 KB`, `1.50 MB` (1 KB = 1024 B). */
export function formatBytes(bytes: number): string {
  const abs = Math.abs(bytes);
  if (abs < 1024) return `${Math.round(bytes)} B`;
  if (abs < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(2)} MB`;
}

/** 3 significant digits, no exponent. */
function trim(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** A GitHub-flavoured markdown table. Cells are escaped (`|`). */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const esc = (cell: string) => cell.replace(/\|/g, '\\|');
  const line = (cells: readonly string[]) => `| ${cells.map(esc).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
