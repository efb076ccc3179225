import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { GrantStatement } from './grant-statement';
import { secretsManagerServiceName } from './service-names';

/**
 * The ARN to put in a policy for `secret`. A secret imported by name or partial ARN has no full
 * ARN; Secrets Manager appends six random characters, which `-??????` matches and nothing longer.
 */
export function secretPolicyArn(secret: secretsmanager.ISecret): string {
  return secret.secretFullArn ?? `${secret.secretArn}-??????`;
}

/**
 * `kms:ViaService` condition limiting a key grant to calls Secrets Manager makes in this region;
 * the URL suffix differs by partition (`amazonaws.com.cn` in the China regions).
 */
export function viaSecretsManager(scope: secretsmanager.ISecret): Record<string, Record<string, unknown>> {
  return { StringEquals: { 'kms:ViaService': secretsManagerServiceName(scope) } };
}

/**
 * Least-privilege statements to read one secret: its value and metadata, and `kms:Decrypt` on
 * its customer-managed key only when Secrets Manager decrypts on the reader's behalf.
 *
 * @param secret the secret to read
 * @param key its encryption key; @default - `secret.encryptionKey`, none for the AWS-managed key
 */
export function secretReadStatements(secret: secretsmanager.ISecret, key?: kms.IKey): GrantStatement[] {
  const statements: GrantStatement[] = [{
    actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
    resourceArns: [secretPolicyArn(secret)],
  }];
  const encryptionKey = key ?? secret.encryptionKey;
  if (encryptionKey) {
    statements.push({
      actions: ['kms:Decrypt'],
      resourceArns: [encryptionKey.keyArn],
      conditions: viaSecretsManager(secret),
    });
  }
  return statements;
}
