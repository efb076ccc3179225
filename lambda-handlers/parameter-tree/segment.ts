/**
 * A tree split into segments (SegmentSpec): each custom resource reconciles the parameters of its
 * own segment and leaves the others' to them. Its generation names the segment, so that no two
 * segments share one (a Delete of a generation removes what still carries it, and nothing of
 * another segment); an unsplit tree's generation is the one earlier versions computed, so that its
 * physical id does not change.
 */
import type { Removal } from './delete-generation';
import { generationOf, parsePhysicalId } from './hashing';
import { segmentFrom } from './properties';
import type { StackView } from './stack-view';
import { segmentOf, TREE_RESOURCE_TYPE, TreeResourceProperties } from '../../src/parameter-tree/private/contract';

/** The generation of the resource's set of names, and of its segment when the tree is split. */
export function treeGenerationOf(props: Pick<TreeResourceProperties, 'Parameters' | 'Segment'>): string {
  const names = props.Parameters.map((p) => p.Name);
  // '#' never occurs in a parameter name: no set of names hashes like a segment's.
  return generationOf(props.Segment ? [...names, `#segment ${props.Segment.Index} of ${props.Segment.Count}`] : names);
}

/** Whether `fullName`, under the tree's path, is in this resource's segment (always, unsplit). */
export function inOwnSegment(props: Pick<TreeResourceProperties, 'Path' | 'Segment'>, fullName: string): boolean {
  if (!props.Segment) return true;
  const relativeName = fullName.slice(props.Path === '/' ? 1 : props.Path.length + 1);
  return segmentOf(relativeName, Number(props.Segment.Count)) === Number(props.Segment.Index);
}

export interface RemovedSegmentInput {
  readonly physicalId: string;
  readonly logicalId: string;
  /** The properties the Delete carries. */
  readonly rawProps: unknown;
  readonly stackStatus: string;
  readonly stack: StackView;
}

/**
 * A Delete of a segment whose resource left the stack in the cleanup after a successful update,
 * while the tree's segment 0 lives on: the tree now has fewer segments. Every live segment was
 * updated (the count is in their properties) and tagged each parameter it wants with its own
 * generation, so what still carries this segment's generation was removed from the tree.
 * Undefined for anything else, which the general rules decide: an unsplit tree, segment 0, a tree
 * going as a whole (its segment 0 goes first: it depends on the others), and the cleanup after a
 * rollback (a segment added by the failed update may have re-tagged parameters of a segment the
 * update never reached, so its generation also marks parameters the tree wants).
 */
export async function removedSegmentRemoval(input: RemovedSegmentInput): Promise<Removal | undefined> {
  const segment = segmentFrom(input.rawProps);
  if (!segment || segment.Index === '0' || input.stackStatus !== 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS') return undefined;
  // Not being deleted either: a resource CloudFormation is deleting still reports its physical id.
  const live = await input.stack.liveResourcesOfType(TREE_RESOURCE_TYPE);
  const firstPhysicalId = live.get(segment.FirstLogicalId);
  const first = firstPhysicalId === undefined ? undefined : parsePhysicalId(firstPhysicalId);
  if (!first) return undefined;
  // A renamed tree's new segment of the same names has this very generation: never remove it.
  const parsed = parsePhysicalId(input.physicalId);
  for (const [logicalId, physicalId] of live) {
    const other = parsePhysicalId(physicalId);
    if (logicalId !== input.logicalId && other?.path === parsed?.path && other?.generation === parsed?.generation) {
      return { scope: 'none', why: `the stack's tree ${logicalId} (${physicalId}) holds this very generation; its parameters are kept` };
    }
  }
  return {
    scope: 'generation',
    release: first.retainRemoved,
    why: `segment ${segment.Index} of ${segment.Count} left the tree, whose segment 0 ${segment.FirstLogicalId} (${firstPhysicalId}) ` +
      'lives on; what it still tags was removed from the tree',
  };
}
