/**
 * The statements that let a consumer read a parameter tree or one of its subtrees.
 * Used through `readStatements` (read-access.ts) by every grant API.
 */
import * as kms from 'aws-cdk-lib/aws-kms';
import { IConstruct } from 'constructs';
import { GrantStatement } from './grant-statement';
import { ssmServiceName } from './service-names';

/** What the statements need to know of a tree (`ISecureParameterTree` satisfies it). */
export interface ReadableParameterTree extends IConstruct {
  readonly pathArn: string;
  readonly encryptionKey?: kms.IKey;
  parameterArn(relativeName: string): string;
}

/**
 * Read access to `tree`, or to `subtree` (relative, e.g. 'db' or 'db/primary') of it:
 *
 * - `ssm:GetParametersByPath` on the path itself: the API authorizes against the path's ARN;
 * - `ssm:GetParameter(s)` on `<path>/*` only, never `<path>*`, which would match `/apple` for `/app`;
 * - `kms:Decrypt` on the tree's key, only through SSM in this region and only for parameters
 *   under the path (SSM passes the parameter's ARN as encryption context). No KMS statement when
 *   the tree has no customer-managed key (the AWS-managed `aws/ssm` key needs none).
 */
export function treeReadStatements(tree: ReadableParameterTree, subtree?: string): GrantStatement[] {
  const pathArn = subtree === undefined ? tree.pathArn : tree.parameterArn(subtree);
  const statements: GrantStatement[] = [
    { actions: ['ssm:GetParametersByPath'], resourceArns: [pathArn] },
    { actions: ['ssm:GetParameter', 'ssm:GetParameters'], resourceArns: [`${pathArn}/*`] },
  ];
  if (tree.encryptionKey) {
    statements.push({
      actions: ['kms:Decrypt'],
      resourceArns: [tree.encryptionKey.keyArn],
      conditions: {
        StringEquals: { 'kms:ViaService': ssmServiceName(tree) },
        ArnLike: { 'kms:EncryptionContext:PARAMETER_ARN': [pathArn, `${pathArn}/*`] },
      },
    });
  }
  return statements;
}
