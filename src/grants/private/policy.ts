/**
 * Packs the statements of a ReadOnlyConfigGrant into as few managed policies as IAM's size limit
 * allows. Kept apart from the construct so the packing can be tested alone.
 */
import { Stack } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { GrantStatement } from '../../private/grant-statement';
import { estimatedPolicySize, MANAGED_POLICY_MAX_CHARS } from '../../private/policy-size';
import { readStatements, SubtreeAccess } from '../../private/read-access';

/** What one managed policy of the grant holds. */
export interface GrantChunk {
  readonly subtrees: SubtreeAccess[];
  readonly secrets: secretsmanager.ISecret[];
  readonly describeParameters: boolean;
}

/** The merged statements for a chunk (see `readStatements`). */
export function chunkStatements(chunk: GrantChunk): GrantStatement[] {
  return readStatements({
    subtrees: chunk.subtrees,
    secrets: chunk.secrets.map((secret) => ({ secret })),
    describeParameters: chunk.describeParameters,
  });
}

/**
 * Packs subtrees and secrets, in order, into chunks whose policy fits `maxChars`. Greedy: a chunk
 * takes items until the next one would not fit. `describeParameters` goes into the first chunk.
 */
export function packIntoChunks(
  stack: Stack,
  subtrees: SubtreeAccess[],
  secrets: secretsmanager.ISecret[],
  describeParameters: boolean,
  maxChars: number = MANAGED_POLICY_MAX_CHARS,
): GrantChunk[] {
  type Item = { subtree: SubtreeAccess } | { secret: secretsmanager.ISecret };
  const items: Item[] = [...subtrees.map((subtree) => ({ subtree })), ...secrets.map((secret) => ({ secret }))];
  const chunks: GrantChunk[] = [];
  let current: GrantChunk = { subtrees: [], secrets: [], describeParameters };
  const fits = (chunk: GrantChunk) => estimatedPolicySize(stack, chunkStatements(chunk)) <= maxChars;
  const isEmpty = (chunk: GrantChunk) => chunk.subtrees.length === 0 && chunk.secrets.length === 0;

  for (const item of items) {
    const grown: GrantChunk = 'subtree' in item
      ? { ...current, subtrees: [...current.subtrees, item.subtree] }
      : { ...current, secrets: [...current.secrets, item.secret] };
    if (fits(grown)) {
      current = grown;
      continue;
    }
    if (isEmpty(current)) {
      throw new Error(`a single grant item needs more than ${maxChars} characters of policy: ${'subtree' in item ? item.subtree.tree.pathArn : item.secret.secretArn}`);
    }
    chunks.push(current);
    current = 'subtree' in item
      ? { subtrees: [item.subtree], secrets: [], describeParameters: false }
      : { subtrees: [], secrets: [item.secret], describeParameters: false };
  }
  if (!isEmpty(current) || current.describeParameters) chunks.push(current);
  return chunks;
}
