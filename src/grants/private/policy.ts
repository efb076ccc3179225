/**
 * Builds the statements of a ReadOnlyConfigGrant and packs them into as few managed policies as
 * IAM's size limit allows. Kept apart from the construct so the packing can be tested alone.
 */
import { Stack } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { GrantStatement } from '../../private/grant-statement';
import { ReadableParameterTree, treeReadStatements } from '../../private/parameter-read-statements';
import { estimatedPolicySize, MANAGED_POLICY_MAX_CHARS } from '../../private/policy-size';
import { secretReadStatements } from '../../private/secret-read-statements';

/** One subtree of a parameter tree (`subtree` undefined for the whole tree). */
export interface SubtreeAccess {
  readonly tree: ReadableParameterTree;
  readonly subtree?: string;
}

/** What one managed policy of the grant holds. */
export interface GrantChunk {
  readonly subtrees: SubtreeAccess[];
  readonly secrets: secretsmanager.ISecret[];
  readonly describeParameters: boolean;
}

function distinct<T>(values: T[]): T[] {
  return [...new Set(values)];
}

/** Condition keys whose values narrow a KMS grant to some encryption contexts. */
function isEncryptionContextKey(key: string): boolean {
  return key.startsWith('kms:EncryptionContext:');
}

type Conditions = Record<string, Record<string, unknown>>;

/** The conditions without their encryption-context lists: what must be equal to merge. */
function conditionShape(conditions: Conditions | undefined): string {
  const shape = Object.entries(conditions ?? {}).map(([operator, entries]) =>
    [operator, Object.entries(entries).filter(([key]) => !isEncryptionContextKey(key))]);
  return JSON.stringify(shape);
}

function unionConditions(a: Conditions | undefined, b: Conditions | undefined): Conditions | undefined {
  if (!a || !b) return a ?? b;
  const merged: Conditions = {};
  for (const [operator, entries] of Object.entries(a)) {
    merged[operator] = { ...entries };
    for (const [key, value] of Object.entries(entries)) {
      if (isEncryptionContextKey(key)) {
        merged[operator][key] = distinct([...[value].flat(), ...[b[operator]?.[key] ?? []].flat()]);
      }
    }
  }
  return merged;
}

/**
 * Merges statements with the same actions and conditions into one statement listing every
 * resource, which keeps the policy small and easy to review.
 *
 * Key statements that differ only in their encryption-context lists are merged too, the lists
 * joined: each of those keys may then decrypt a parameter under any granted path, never anything
 * else. The consumer may read every one of those parameters anyway, and Parameter Store names the
 * parameter it decrypts in the encryption context.
 */
export function mergeStatements(statements: GrantStatement[]): GrantStatement[] {
  const merged = new Map<string, GrantStatement>();
  for (const statement of statements) {
    const key = JSON.stringify([statement.actions, conditionShape(statement.conditions)]);
    const existing = merged.get(key);
    merged.set(key, existing
      ? {
        actions: existing.actions,
        resourceArns: distinct([...existing.resourceArns, ...statement.resourceArns]),
        conditions: unionConditions(existing.conditions, statement.conditions),
      }
      : statement);
  }
  return [...merged.values()];
}

/** The merged statements for a chunk (see `treeReadStatements` and `secretReadStatements`). */
export function chunkStatements(chunk: GrantChunk): GrantStatement[] {
  const statements = [
    ...chunk.subtrees.flatMap((s) => treeReadStatements(s.tree, s.subtree)),
    ...chunk.secrets.flatMap((secret) => secretReadStatements(secret)),
  ];
  if (chunk.describeParameters) {
    // DescribeParameters supports no resource-level permissions: `*` is the only resource IAM takes.
    statements.push({ actions: ['ssm:DescribeParameters'], resourceArns: ['*'] });
  }
  return mergeStatements(statements);
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
