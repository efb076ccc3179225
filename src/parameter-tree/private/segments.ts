/**
 * A tree whose first deployment would outlast what one custom-resource operation can use is split
 * into segments: custom resources of the same type and reconciler, each holding the parameters
 * whose name hashes to it (`segmentOf`), deployed one after another so that they never share
 * Parameter Store's quota.
 */
import { ParameterStoreThroughputName, segmentOf } from './contract';
import { writeSeconds } from './scale';

/**
 * The first-deployment estimate one segment may have: 40 of the reconciler's 55 minutes. The
 * estimate counts only the writes a Create cannot avoid, at the full quota; the remaining 15
 * minutes (over a third of the estimate) cover what comes on top: reading the path, other writers
 * of the account slowing the writes down, and Lambda's queue before each continuing invocation.
 */
export const SEGMENT_BUDGET_SECONDS = 40 * 60;

/** One parameter, as the split needs to know it. */
export interface SegmentedName {
  /** Relative to the tree path. */
  readonly name: string;
  /** Its Create also labels the version (generated, encrypted and literal secrets). */
  readonly labelled: boolean;
}

export interface Segmentation {
  /** Names of each segment, by index; one segment when the tree fits in the budget. */
  readonly segments: readonly (readonly string[])[];
  /** The first-deployment estimate of the largest segment, in seconds. */
  readonly largestSeconds: number;
  /** The first-deployment estimate of the whole tree (every segment in turn), in seconds. */
  readonly totalSeconds: number;
}

/**
 * The fewest segments that each fit in SEGMENT_BUDGET_SECONDS: from the count an even split
 * would need, one more at a time while the hash leaves a segment over the budget. Only the size
 * of the tree decides the count, so a tree that keeps its count keeps every name's segment.
 */
export function segmentationOf(names: readonly SegmentedName[], throughput: ParameterStoreThroughputName): Segmentation {
  const totalSeconds = estimate(names, throughput);
  for (let count = Math.max(1, Math.ceil(totalSeconds / SEGMENT_BUDGET_SECONDS)); ; count++) {
    const split = splitInto(names, count);
    const largestSeconds = Math.max(...split.map((segment) => estimate(segment, throughput)));
    // A segment of one parameter takes a second: the loop ends long before names run out.
    if (largestSeconds <= SEGMENT_BUDGET_SECONDS || count >= names.length) {
      return { segments: split.map((segment) => segment.map((entry) => entry.name)), largestSeconds, totalSeconds };
    }
  }
}

function splitInto(names: readonly SegmentedName[], count: number): SegmentedName[][] {
  const split: SegmentedName[][] = Array.from({ length: count }, () => []);
  for (const entry of names) split[segmentOf(entry.name, count)].push(entry);
  return split;
}

function estimate(names: readonly SegmentedName[], throughput: ParameterStoreThroughputName): number {
  return writeSeconds(names.length, names.filter((entry) => entry.labelled).length, throughput);
}
