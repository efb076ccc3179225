/**
 * Wires the reconciler to the custom-resource runner: one redactor per event, logs that pass
 * through it, and a response to CloudFormation whatever happens.
 */
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { SSMClient } from '@aws-sdk/client-ssm';
import { DeadlineError } from './executor';
import { cachingManifestReader, s3ManifestReader } from './manifest';
import { handleTreeEvent, physicalIdOnFailure, TreeEvent } from './reconciler';
import { StackViewSource } from './stack-view';
import { DEFAULT_RECONCILER_CONCURRENCY, RECONCILER_ENV, PacedSsmAction } from '../../src/parameter-tree/private/contract';
import { LambdaContextLike } from '../shared/cfn-response';
import { concurrencyFromEnv } from '../shared/concurrency';
import { ContinuationSettings, OperationContinuation } from '../shared/continuation';
import { runCustomResource } from '../shared/custom-resource';
import { AbortedError } from '../shared/rate-limiter';
import { Redactor } from '../shared/redaction';
import { Sleep } from '../shared/retry';

export interface TreeHandlerDeps {
  readonly ssm: SSMClient;
  readonly kms: KMSClient;
  /** CloudFormation's view of a stack: `cloudFormationStacks(client)` in the Lambda. */
  readonly stacks: StackViewSource;
  /** Reads the tree's manifest; needed for properties that point at one. */
  readonly s3?: S3Client;
  readonly sleep: Sleep;
  /** @default - RECONCILER_ENV.CONCURRENCY, else DEFAULT_RECONCILER_CONCURRENCY */
  readonly concurrency?: number;
  /** Quotas instead of Parameter Store's (tests and the benchmark scale them). */
  readonly quotas?: Partial<Record<PacedSsmAction, number>>;
  /** Attempts for transient errors other than throttling. */
  readonly transientAttempts?: number;
  /** Time kept to answer CloudFormation before the Lambda times out. */
  readonly safetyMarginMs?: number;
  /**
   * How a reconcile that runs out of time continues in another invocation of the function
   * (`invoke`), within CloudFormation's hour for the operation. Without `invoke` it fails.
   */
  readonly continuation?: ContinuationSettings;
}

function concurrencyFromEnvironment(): number {
  return concurrencyFromEnv(process.env[RECONCILER_ENV.CONCURRENCY], DEFAULT_RECONCILER_CONCURRENCY, RECONCILER_ENV.CONCURRENCY);
}

export type TreeHandler = (event: TreeEvent, context: LambdaContextLike) => Promise<void>;

export function createTreeHandler(deps: TreeHandlerDeps): TreeHandler {
  return async (event, context) => {
    const redactor = new Redactor();
    const log = (message: string) => console.log(redactor.redact(message));
    // Never the whole event: properties may hold an unsafe literal, the URL is a credential.
    const physicalId = event.RequestType === 'Create' ? '' : ` ${event.PhysicalResourceId}`;
    const continuation = new OperationContinuation(
      { event, functionArn: context.invokedFunctionArn, isOutOfTime, log },
      deps.continuation ?? {},
    );
    log(`${event.RequestType} ${event.LogicalResourceId}${physicalId} (${continuation.description})`);
    // One read per object and event, shared by the logic and the failure answer.
    const manifests = deps.s3 ? cachingManifestReader(s3ManifestReader(deps.s3)) : undefined;
    await runCustomResource({
      event,
      context,
      redactor,
      log,
      safetyMarginMs: deps.safetyMarginMs,
      answerBy: continuation.answerBy,
      onDeadline: (error) => continuation.onDeadline(error),
      physicalIdOnFailure: () => physicalIdOnFailure(event, manifests),
      // Read inside the logic: a bad setting then fails this event with a reason, rather than
      // failing the Lambda's start and leaving CloudFormation waiting for an answer.
      logic: async (signal) => {
        if (continuation.problem) throw new Error(continuation.problem);
        return handleTreeEvent(event, {
          ...deps,
          manifests,
          redactor,
          log,
          signal,
          concurrency: deps.concurrency ?? concurrencyFromEnvironment(),
          operationStartedAt: Date.parse(continuation.firstStartedAt),
        });
      },
    });
  };
}

/** The reconcile stopped because the invocation's deadline cancelled it: what was written converges on the next run. */
function isOutOfTime(error: unknown): boolean {
  return error instanceof DeadlineError || error instanceof AbortedError;
}
