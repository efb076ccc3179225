/**
 * Type checks for props, for callers the TypeScript compiler does not protect: JavaScript and
 * the other jsii languages, where a missing or mistyped prop would otherwise surface later as
 * `Cannot read properties of undefined`. Each check names the property and what it received.
 */
/** How a received value is shown in a message: strings quoted, other kinds with their type. */
export function describeReceived(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value)) return `an array of ${value.length} item(s)`;
  if (typeof value === 'object') return `an object (${value.constructor?.name ?? 'Object'})`;
  return `${String(value)} (${typeof value})`;
}

/** `value` must be present: a required prop a JavaScript caller left out. */
export function requireDefined<T>(value: T | undefined | null, property: string): T {
  if (value === undefined || value === null) {
    throw new Error(`\`${property}\` is required, got: ${describeReceived(value)}`);
  }
  return value;
}

/** `value` must be a string (a token string passes). */
export function requireString(value: unknown, property: string): string {
  if (typeof value !== 'string') {
    throw new Error(`\`${property}\` must be a string, got: ${describeReceived(value)}`);
  }
  return value;
}

/**
 * `value` must be an object, with `member` when one is named: how an instance of a jsii
 * interface (`kms.IKey` has `keyArn`) is told from an ARN string or a plain object.
 *
 * @param what the expected type as the message names it, e.g. 'a kms.IKey'
 */
export function requireObjectWith(value: unknown, property: string, what: string, member?: string): void {
  if (typeof value !== 'object' || value === null || (member !== undefined && !(member in value))) {
    throw new Error(`\`${property}\` must be ${what}, got: ${describeReceived(value)}`);
  }
}

/** `value`, when given, must be a boolean. */
export function optionalBoolean(value: unknown, property: string): boolean | undefined {
  if (value !== undefined && typeof value !== 'boolean') {
    throw new Error(`\`${property}\` must be true or false, got: ${describeReceived(value)}`);
  }
  return value;
}

/** `value` must be a plain object (a map of names to values). */
export function requireObject(value: unknown, property: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`\`${property}\` must be an object, got: ${describeReceived(value)}`);
  }
  return value as Record<string, unknown>;
}

/** `value` must be an array. */
export function requireArray(value: unknown, property: string): unknown[] {
  if (!Array.isArray(value)) {
    throw new Error(`\`${property}\` must be an array, got: ${describeReceived(value)}`);
  }
  return value;
}

/** `value` must be one of `allowed` (string enums as jsii passes them). */
export function requireOneOf<T extends string>(value: unknown, allowed: readonly T[], property: string): T {
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    throw new Error(`\`${property}\` must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got: ${describeReceived(value)}`);
  }
  return value as T;
}
