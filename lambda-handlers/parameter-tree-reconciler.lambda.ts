/**
 * Lambda entry point of SecureParameterTree's custom resource. CloudFormation invokes it
 * directly (it is the ServiceToken), so it answers the pre-signed ResponseURL itself.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { KMSClient } from '@aws-sdk/client-kms';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SSMClient } from '@aws-sdk/client-ssm';
import { cloudFormationStacks } from './parameter-tree/stack-view';
import { createTreeHandler } from './parameter-tree/tree-handler';
import { lambdaInvoker } from './shared/continuation';
import { realSleep } from './shared/retry';

/**
 * The reconciler paces and retries calls itself (throttles until its deadline, other transient
 * errors a few times); SDK retries on top would multiply the attempts. A request that hangs
 * times out and is retried, so one lost answer does not hold a worker until the deadline.
 */
// Without throwOnRequestTimeout the SDK only logs a warning when requestTimeout passes.
const clientSettings = { maxAttempts: 1, requestHandler: { connectionTimeout: 5_000, requestTimeout: 30_000, throwOnRequestTimeout: true } };

export const handler = createTreeHandler({
  ssm: new SSMClient(clientSettings),
  kms: new KMSClient(clientSettings),
  stacks: cloudFormationStacks(new CloudFormationClient(clientSettings)),
  // The SDK's own retries: the manifest is read once per event, unpaced.
  s3: new S3Client({ requestHandler: clientSettings.requestHandler }),
  sleep: realSleep,
  // A reconcile out of time invokes this function again to continue; the invoker makes the
  // attempts itself (it tells refusals from calls that may have reached Lambda), and the short
  // timeouts keep them inside the time kept to answer.
  continuation: {
    invoke: lambdaInvoker(new LambdaClient({
      maxAttempts: 1,
      requestHandler: { connectionTimeout: 2_000, requestTimeout: 2_000, throwOnRequestTimeout: true },
    })),
  },
});
