import { Fn, Names, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { writeOwnLogsStatement } from '../../private/logged-function';
import { secretPolicyArn, viaSecretsManager } from '../../private/secret-read-statements';

export interface RotationPermissionsInput {
  readonly secret: secretsmanager.ISecret;
  readonly encryptionKey: kms.IKey;
  readonly logGroup: logs.ILogGroup;
  /** Alternating users only: the secret whose credentials manage the clone user. */
  readonly masterSecret?: secretsmanager.ISecret;
}

/**
 * What a rotation function needs and nothing more: the permissions AWS documents for rotation
 * functions in a VPC, narrowed to this secret, its key (through Secrets Manager only) and the
 * function's own log group.
 */
export function rotationStatements(input: RotationPermissionsInput): iam.PolicyStatement[] {
  const { secret, encryptionKey, logGroup, masterSecret } = input;
  const statements = [
    new iam.PolicyStatement({
      sid: 'RotateThisSecret',
      actions: [
        'secretsmanager:DescribeSecret',
        'secretsmanager:GetSecretValue',
        'secretsmanager:PutSecretValue',
        'secretsmanager:UpdateSecretVersionStage',
      ],
      resources: [secretPolicyArn(secret)],
    }),
    new iam.PolicyStatement({
      sid: 'GeneratePasswords',
      // GetRandomPassword acts on no resource: IAM accepts only '*' for it.
      actions: ['secretsmanager:GetRandomPassword'],
      resources: ['*'],
    }),
    new iam.PolicyStatement({
      sid: 'UseSecretKeyThroughSecretsManager',
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: [encryptionKey.keyArn],
      conditions: viaSecretsManager(secret),
    }),
    new iam.PolicyStatement({
      sid: 'AttachToVpc',
      // Lambda manages the function's network interfaces with these; they support no resource-level scoping.
      actions: [
        'ec2:CreateNetworkInterface',
        'ec2:DescribeNetworkInterfaces',
        'ec2:DeleteNetworkInterface',
        'ec2:AssignPrivateIpAddresses',
        'ec2:UnassignPrivateIpAddresses',
      ],
      resources: ['*'],
    }),
    writeOwnLogsStatement(logGroup, 'WriteOwnLogs'),
  ];
  if (masterSecret) {
    statements.push(new iam.PolicyStatement({
      sid: 'ReadMasterSecret',
      actions: ['secretsmanager:GetSecretValue'],
      resources: [secretPolicyArn(masterSecret)],
    }));
    if (masterSecret.encryptionKey) {
      statements.push(new iam.PolicyStatement({
        sid: 'DecryptMasterSecretThroughSecretsManager',
        actions: ['kms:Decrypt'],
        resources: [masterSecret.encryptionKey.keyArn],
        conditions: viaSecretsManager(masterSecret),
      }));
    }
  }
  return statements;
}

/**
 * A name for the rotation function's log group that is known before the group exists, so that
 * the key policy can name the group although the group depends on the key. The stack's id makes
 * it unique per deployment: a group retained from a deleted stack never blocks a new one.
 */
export function rotationLogGroupName(scope: Construct): string {
  const stackUuid = Fn.select(2, Fn.split('/', Stack.of(scope).stackId));
  return `/cdk-secure-config/rotation/${Names.uniqueResourceName(scope, { maxLength: 200, separator: '-' })}-${stackUuid}`;
}
