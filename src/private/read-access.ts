/**
 * The one builder of read statements: `SecureParameterTree.grantRead`,
 * `RotatingDbSecret.grantRead` and `ReadOnlyConfigGrant` all describe what a consumer reads as a
 * `ReadAccess` and get their statements here.
 */
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { GrantStatement, mergeStatements } from './grant-statement';
import { ReadableParameterTree, treeReadStatements } from './parameter-read-statements';
import { secretReadStatements } from './secret-read-statements';

/** One subtree of a parameter tree (`subtree` undefined for the whole tree). */
export interface SubtreeAccess {
  readonly tree: ReadableParameterTree;
  readonly subtree?: string;
}

/** One secret, and the key that encrypts it when the secret does not say (an imported secret). */
export interface SecretAccess {
  readonly secret: secretsmanager.ISecret;
  /** @default - `secret.encryptionKey`; none for the AWS-managed key */
  readonly encryptionKey?: kms.IKey;
}

/** What one consumer may read. */
export interface ReadAccess {
  /** @default - no parameters */
  readonly subtrees?: SubtreeAccess[];
  /** @default - no secrets */
  readonly secrets?: SecretAccess[];
  /** Allow `ssm:DescribeParameters` too. @default false */
  readonly describeParameters?: boolean;
}

/**
 * The least-privilege statements for `access` (see `treeReadStatements` and
 * `secretReadStatements`), merged where they share actions and conditions.
 */
export function readStatements(access: ReadAccess): GrantStatement[] {
  const statements = [
    ...(access.subtrees ?? []).flatMap((s) => treeReadStatements(s.tree, s.subtree)),
    ...(access.secrets ?? []).flatMap((s) => secretReadStatements(s.secret, s.encryptionKey)),
  ];
  if (access.describeParameters) {
    // DescribeParameters supports no resource-level permissions: `*` is the only resource IAM takes.
    statements.push({ actions: ['ssm:DescribeParameters'], resourceArns: ['*'] });
  }
  return mergeStatements(statements);
}
