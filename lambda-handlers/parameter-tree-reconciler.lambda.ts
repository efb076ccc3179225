/**
 * Lambda entry point of SecureParameterTree's custom resource. CloudFormation invokes it
 * directly (it is the ServiceToken), so it answers the pre-signed ResponseURL itself.
 */
import { KMSClient } from '@aws-sdk/client-kms';
import { SSMClient } from '@aws-sdk/client-ssm';
import { createTreeHandler } from './parameter-tree/tree-handler';
import { realSleep } from './shared/retry';

export const handler = createTreeHandler({
  // The reconciler retries throttling and transient errors itself, bounded and with jitter;
  // SDK retries on top would multiply the attempts.
  ssm: new SSMClient({ maxAttempts: 1 }),
  kms: new KMSClient({ maxAttempts: 1 }),
  sleep: realSleep,
});
