/**
 * Host names of regional AWS services, as IAM conditions (`kms:ViaService`) and key-policy
 * service principals name them. One builder for every service, so the partition question is
 * answered in one place.
 */
import { Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** How a service's host name ends. */
export enum HostSuffix {
  /** The stack's `AWS::URLSuffix`: `amazonaws.com`, or `amazonaws.com.cn` in the China partition. */
  URL_SUFFIX = 'url-suffix',
  /**
   * A literal `amazonaws.com`, right in the commercial and GovCloud partitions only. The Secrets
   * Manager conditions and the rotation function's logs key policy were first written with it (as
   * aws-cdk-lib's own `Secret.grantRead` is); they keep it so that their templates do not change
   * in a refactoring. Moving them to `URL_SUFFIX` is a behaviour change, tracked by issue 11.
   */
  LITERAL_AMAZONAWS_COM = 'amazonaws.com',
}

/** `<service>.<region>.<suffix>`, e.g. `ssm.eu-west-1.amazonaws.com`, in the stack of `scope`. */
export function regionalServiceName(scope: IConstruct, service: string, suffix: HostSuffix = HostSuffix.URL_SUFFIX): string {
  const stack = Stack.of(scope);
  const domain = suffix === HostSuffix.URL_SUFFIX ? stack.urlSuffix : HostSuffix.LITERAL_AMAZONAWS_COM;
  return `${service}.${stack.region}.${domain}`;
}

/** The value of `kms:ViaService` for calls Parameter Store makes in the stack's region. */
export function ssmServiceName(scope: IConstruct): string {
  return regionalServiceName(scope, 'ssm');
}

/** The value of `kms:ViaService` for calls Secrets Manager makes in the stack's region (see `HostSuffix`). */
export function secretsManagerServiceName(scope: IConstruct): string {
  return regionalServiceName(scope, 'secretsmanager', HostSuffix.LITERAL_AMAZONAWS_COM);
}
