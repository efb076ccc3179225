/**
 * Host names of regional AWS services, as IAM conditions (`kms:ViaService`) and key-policy
 * service principals name them. One builder for every service, so the partition question is
 * answered in one place.
 */
import { Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** `<service>.<region>.<suffix>`, e.g. `ssm.eu-west-1.amazonaws.com`, in the stack of `scope`. */
export function regionalServiceName(scope: IConstruct, service: string): string {
  const stack = Stack.of(scope);
  // AWS::URLSuffix: `amazonaws.com`, or `amazonaws.com.cn` in the China partitions.
  return `${service}.${stack.region}.${stack.urlSuffix}`;
}

/** The value of `kms:ViaService` for calls Parameter Store makes in the stack's region. */
export function ssmServiceName(scope: IConstruct): string {
  return regionalServiceName(scope, 'ssm');
}

/** The value of `kms:ViaService` for calls Secrets Manager makes in the stack's region. */
export function secretsManagerServiceName(scope: IConstruct): string {
  return regionalServiceName(scope, 'secretsmanager');
}
