/**
 * What the reconciler needs to read its tree's manifest: that one object, and the key that
 * encrypts it when the asset bucket uses SSE-KMS.
 */
import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { IConstruct } from 'constructs';
import { regionalServiceName } from '../../private/service-names';

/**
 * s3:GetObject on the manifest object, and kms:Decrypt through S3 for that object only.
 *
 * The key is not known at synthesis (the bootstrap stack chooses it: SSE-S3, the AWS-managed
 * key, or a customer-managed key whose policy may require an identity grant), so the grant names
 * any key of the account and narrows it by how it is used: only S3 may call it, and only for this
 * object or its bucket (the encryption context when S3 Bucket Keys are on).
 */
export function manifestReadStatements(scope: IConstruct, asset: s3assets.Asset): iam.PolicyStatement[] {
  const stack = Stack.of(scope);
  const objectArn = asset.bucket.arnForObjects(asset.s3ObjectKey);
  return [
    new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [objectArn] }),
    new iam.PolicyStatement({
      actions: ['kms:Decrypt'],
      resources: [stack.formatArn({ service: 'kms', resource: 'key', resourceName: '*', arnFormat: ArnFormat.SLASH_RESOURCE_NAME })],
      conditions: {
        StringEquals: {
          'kms:ViaService': regionalServiceName(scope, 's3'),
          // A list: either value matches.
          'kms:EncryptionContext:aws:s3:arn': [asset.bucket.bucketArn, objectArn],
        },
      },
    }),
  ];
}
