/**
 * Section 7: account-scale trees. With the specs in a manifest asset, the template and the
 * largest event (an Update: old and new properties) stay the same size as the tree grows; the
 * manifest grows instead. Beside each figure, what the template and event held with the specs
 * inline (earlier versions), computed from the same synthesis. A tree whose first deployment
 * would outlast the segment budget is split: the rows say into how many segments, and the
 * estimate of the largest.
 */
import { BenchRow, formatBytes, formatMs, median } from './stats';
import { runWorker } from './worker';
import { SEGMENT_BUDGET_SECONDS } from '../src/parameter-tree/private/segments';

interface ScaleFigures {
  readonly count: number;
  readonly elapsedMs: number;
  readonly templateBytes: number;
  readonly manifestBytes: number;
  /** The largest segment's Update. */
  readonly updateEventBytes: number;
  readonly segments: number;
  readonly largestSegmentSeconds: number;
  readonly totalSeconds: number;
  readonly inlineTemplateBytes: number;
  readonly inlineUpdateEventBytes: number;
}

/** CloudFormation's template body limit (through S3), and the targets of the issue. */
const TEMPLATE_LIMIT = 1024 * 1024;
const TEMPLATE_TARGET = 100 * 1024;
const EVENT_TARGET = 64 * 1024;
/** Lambda's asynchronous invocation payload limit (256 KB until late 2025). */
const ASYNC_PAYLOAD_LIMIT = 1024 * 1024;

export function scaleRows(sizes: number[], runs: number): BenchRow[] {
  const section = '7 scale';
  const rows: BenchRow[] = [];
  for (const size of sizes) {
    const all = Array.from({ length: runs }, () => runWorker<ScaleFigures>('scale-worker.ts', [String(size)]));
    const figures = all[0];
    const caseName = `tree of ${size.toLocaleString('en-US')} parameters`;
    const over = (bytes: number, limit: number, what: string) => (bytes > limit ? `over ${what}` : `under ${what}`);
    rows.push({ section, case: caseName, metric: 'synth wall time', value: formatMs(median(all.map((r) => r.elapsedMs))), note: 'app, tree and synth, in a fresh process' });
    rows.push({
      section,
      case: caseName,
      metric: 'template bytes',
      value: formatBytes(figures.templateBytes),
      note: `${over(figures.templateBytes, TEMPLATE_TARGET, '100 KB')}; specs inline: ${formatBytes(figures.inlineTemplateBytes)} (${over(figures.inlineTemplateBytes, TEMPLATE_LIMIT, "CloudFormation's 1 MB")})`,
    });
    rows.push({
      section,
      case: caseName,
      metric: 'largest event bytes (Update, one value changed)',
      value: formatBytes(figures.updateEventBytes),
      note: `${over(figures.updateEventBytes, EVENT_TARGET, '64 KB')}; specs inline: ${formatBytes(figures.inlineUpdateEventBytes)} ` +
        `(${over(figures.inlineUpdateEventBytes, ASYNC_PAYLOAD_LIMIT, "Lambda's 1 MB asynchronous payload")})`,
    });
    rows.push({ section, case: caseName, metric: 'manifest bytes', value: formatBytes(figures.manifestBytes), note: 'S3 objects, one per segment; grow with the tree' });
    const minutes = (seconds: number) => `${Math.ceil(seconds).toLocaleString('en-US')} s (${(seconds / 60).toFixed(0)} min)`;
    rows.push({
      section,
      case: caseName,
      metric: 'segments (custom resources)',
      value: String(figures.segments),
      note: `first-deployment estimate at the default throughput: largest segment ${minutes(figures.largestSegmentSeconds)}, ` +
        `budget ${SEGMENT_BUDGET_SECONDS / 60} min; all segments in turn ${minutes(figures.totalSeconds)}`,
    });
  }
  return rows;
}
