/**
 * What a `ParameterValue` holds, in the form the tree turns into a `ParameterSpec`.
 * Kept out of the public API: users build values through `ParameterValue`'s factories only.
 */
import * as kms from 'aws-cdk-lib/aws-kms';
import { ParameterKind, ParameterTierName } from './contract';

export interface GeneratorDefinition {
  readonly length: number;
  readonly excludeCharacters: string;
  readonly excludePunctuation: boolean;
  readonly generation: string;
}

export interface ParameterDefinition {
  readonly kind: ParameterKind;
  /** String and UnsafeLiteral: the value; StringList: the items joined with ','. */
  readonly value?: string;
  readonly ciphertext?: string;
  /** Encrypted only: the key that made the ciphertext; undefined for the tree's key. */
  readonly ciphertextKey?: kms.IKey;
  readonly generator?: GeneratorDefinition;
  readonly description?: string;
  readonly tier?: ParameterTierName;
  readonly tags: { [key: string]: string };
}

/** Kinds stored as SecureString. */
export function isSecureKind(kind: ParameterKind): boolean {
  return kind !== ParameterKind.STRING && kind !== ParameterKind.STRING_LIST;
}
