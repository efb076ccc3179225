/**
 * Hashes that name state: the generation of a set of names, and the version label that records
 * which spec produced a SecureString value.
 */
import { createHash } from 'crypto';
import { ParameterKind, ParameterSpec, SPEC_LABEL_PREFIX } from '../../src/parameter-tree/private/contract';

function sha256Hex(parts: readonly string[]): string {
  // JSON keeps part boundaries unambiguous: ['ab', 'c'] and ['a', 'bc'] hash differently.
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/** 16 hex characters: short enough for a physical id and a tag, 64 bits against collisions. */
export function generationOf(relativeNames: readonly string[]): string {
  return sha256Hex([...relativeNames].sort()).slice(0, 16);
}

/** Appended to a physical id whose tree releases, rather than deletes, parameters removed from it. */
export const RETAIN_REMOVED_SUFFIX = '+retain-removed';

/**
 * `<path>@<generation>`, plus RETAIN_REMOVED_SUFFIX when removed parameters are kept: a new
 * physical id whenever the set of names changes. The suffix lets the cleanup Delete of an older
 * generation learn the setting of the generation that replaced it, from CloudFormation's live id.
 */
export function physicalIdOf(path: string, generation: string, retainRemoved = false): string {
  return `${path}@${generation}${retainRemoved ? RETAIN_REMOVED_SUFFIX : ''}`;
}

export interface ParsedPhysicalId {
  readonly path: string;
  readonly generation: string;
  /** True when the id carries RETAIN_REMOVED_SUFFIX; ids of earlier versions never do. */
  readonly retainRemoved: boolean;
}

/** Splits a physical id made by `physicalIdOf`; undefined for anything else. */
export function parsePhysicalId(physicalId: string): ParsedPhysicalId | undefined {
  const match = /^(\/.*)@([0-9a-f]{16})(\+retain-removed)?$/.exec(physicalId);
  return match ? { path: match[1], generation: match[2], retainRemoved: match[3] !== undefined } : undefined;
}

/**
 * The version label for a SecureString whose value derives from its spec, or undefined for
 * kinds without one (String, StringList, Placeholder). 40 hex characters keep the label far
 * below the 100-character limit. The tree's key is not part of a generated or literal spec: a
 * new key re-encrypts the same value rather than making a new one.
 */
export function specLabelOf(spec: ParameterSpec, keyArn: string): string | undefined {
  const parts = specParts(spec, keyArn);
  return parts ? SPEC_LABEL_PREFIX + sha256Hex(parts).slice(0, 40) : undefined;
}

function specParts(spec: ParameterSpec, keyArn: string): string[] | undefined {
  switch (spec.Kind) {
    case ParameterKind.GENERATED: {
      const g = spec.Generator!;
      return [spec.Kind, g.Length, g.ExcludeCharacters, g.ExcludePunctuation, g.Generation];
    }
    case ParameterKind.ENCRYPTED:
      // An empty CiphertextKeyArn means the tree's key decrypts it: that key is part of the spec.
      return [spec.Kind, spec.Ciphertext!, spec.CiphertextKeyArn || keyArn];
    case ParameterKind.UNSAFE_LITERAL:
      return [spec.Kind, spec.Value!];
    default:
      return undefined;
  }
}
