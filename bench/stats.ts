/** Small statistics and formatting helpers for the benchmark table. */

export function median(values: number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export function formatMs(ms: number): string {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(ms >= 100 ? 0 : 1)} ms`;
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} B`;
}

export function ratio(value: number, baseline: number | undefined): string {
  if (baseline === undefined || baseline === 0) return '';
  return `${(value / baseline).toFixed(2)}x`;
}

/** One line of the printed table. */
export interface BenchRow {
  readonly section: string;
  readonly case: string;
  readonly metric: string;
  readonly value: string;
  /** Ratio against the baseline measured in the same run, where there is one. */
  readonly vsBaseline?: string;
  readonly note?: string;
}

export function renderTable(rows: BenchRow[]): string {
  const header = ['section', 'case', 'metric', 'median', 'vs baseline', 'note'];
  const cells = rows.map((row) => [row.section, row.case, row.metric, row.value, row.vsBaseline ?? '', row.note ?? '']);
  const escape = (cell: string) => cell.replace(/\|/g, '\\|');
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...cells.map((line) => `| ${line.map(escape).join(' | ')} |`),
  ].join('\n');
}
