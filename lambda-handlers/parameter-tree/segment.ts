/**
 * A tree split into segments (SegmentSpec): each custom resource reconciles the parameters of its
 * own segment and leaves the others' to them. Its generation names the segment, so that no two
 * segments share one (a cleanup Delete removes what the live generation marked, and no other
 * segment marks with it) and a change of the count changes every segment's generation; an
 * unsplit tree's generation is the one earlier versions computed, so that its physical id does
 * not change. A segment that leaves the tree removes nothing when deleted: what it held either
 * moved to a live segment's bucket or was removed from the tree, and then that segment marked it.
 */
import { generationOf } from './hashing';
import { relativeNameOf } from './properties';
import { segmentOf, TreeResourceProperties } from '../../src/parameter-tree/private/contract';

/** The generation of the resource's set of names, and of its segment when the tree is split. */
export function treeGenerationOf(props: Pick<TreeResourceProperties, 'Parameters' | 'Segment'>): string {
  const names = props.Parameters.map((p) => p.Name);
  // '#' never occurs in a parameter name: no set of names hashes like a segment's.
  return generationOf(props.Segment ? [...names, `#segment ${props.Segment.Index} of ${props.Segment.Count}`] : names);
}

/** Whether `fullName`, under the tree's path, is in this resource's segment (always, unsplit). */
export function inOwnSegment(props: Pick<TreeResourceProperties, 'Path' | 'Segment'>, fullName: string): boolean {
  if (!props.Segment) return true;
  return segmentOf(relativeNameOf(props.Path, fullName), Number(props.Segment.Count)) === Number(props.Segment.Index);
}
