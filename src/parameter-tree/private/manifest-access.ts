/**
 * What the reconciler needs to read its tree's manifests: the current one, the previous one an
 * Update compares with, and the one a rollback deploys again (whichever policy version is in
 * place then); and the key that encrypts them when the asset bucket uses SSE-KMS.
 */
import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { IConstruct } from 'constructs';
import { manifestExtensionOf } from './manifest';
import { regionalServiceName } from '../../private/service-names';

/**
 * s3:GetObject on the manifests of the tree's stack (objects named `*<extension of the stack>`,
 * see `manifestExtensionOf`), and kms:Decrypt through S3 for those objects only.
 *
 * Not the current object only: with the updated policy an Update could not read the previous
 * manifest, and every Update would then read the whole tree. Not the bucket's `*.json` either:
 * that would include the stack templates and other stacks' files. The trade-off: a tree's
 * reconciler can read the manifests of the other trees of its stack (names, kinds, value
 * sources; never a plaintext secret but an unsafe literal's), which its stack's templates
 * held before manifests existed. The handler checks every object against the SHA-256 the
 * properties carry, so a wider grant never makes it use the wrong manifest.
 *
 * The key is not known at synthesis (the bootstrap stack chooses it: SSE-S3, the AWS-managed
 * key, or a customer-managed key whose policy may require an identity grant), so the grant names
 * any key of the account and narrows it by how it is used: only S3 may call it, and only for this
 * object or its bucket (the encryption context when S3 Bucket Keys are on).
 */
export function manifestReadStatements(scope: IConstruct, asset: s3assets.Asset): iam.PolicyStatement[] {
  const stack = Stack.of(scope);
  const manifestsArn = asset.bucket.arnForObjects(`*${manifestExtensionOf(scope)}`);
  return [
    new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [manifestsArn] }),
    new iam.PolicyStatement({
      actions: ['kms:Decrypt'],
      resources: [stack.formatArn({ service: 'kms', resource: 'key', resourceName: '*', arnFormat: ArnFormat.SLASH_RESOURCE_NAME })],
      conditions: {
        StringEquals: { 'kms:ViaService': regionalServiceName(scope, 's3') },
        // A list: either value matches (the bucket's ARN when S3 Bucket Keys are on).
        StringLike: { 'kms:EncryptionContext:aws:s3:arn': [asset.bucket.bucketArn, manifestsArn] },
      },
    }),
  ];
}
