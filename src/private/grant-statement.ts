/**
 * The statements of a grant, before they become IAM policy statements, and how statements that
 * differ only in their resources are merged.
 */

/** One statement of a grant, in the shape `iam.Grant.addToPrincipal` takes. */
export interface GrantStatement {
  readonly actions: string[];
  readonly resourceArns: string[];
  readonly conditions?: Record<string, Record<string, unknown>>;
}

/** The values in first-seen order, each once. */
export function distinct<T>(values: T[]): T[] {
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
 * resource, which keeps the policy small and easy to review. Statements that merge with nothing
 * are returned as they are.
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
