/**
 * Runs a custom resource's logic and always answers CloudFormation: on success, on error, and
 * before the Lambda times out. Every message passes through the redactor first.
 */
import { CustomResourceEvent, LambdaContextLike, sendResponse, truncateReason } from './cfn-response';
import { Redactor } from './redaction';
import { describeError } from './retry';

export interface CustomResourceResult {
  readonly physicalResourceId: string;
  readonly data?: Record<string, string>;
}

export interface CustomResourceRun<P> {
  readonly event: CustomResourceEvent<P>;
  readonly context: LambdaContextLike;
  /** Holds every secret the logic learns; shared with the logic. */
  readonly redactor: Redactor;
  readonly logic: () => Promise<CustomResourceResult>;
  /** The physical id to report when the logic fails or runs out of time. */
  readonly physicalIdOnFailure: string;
  /** Time kept in reserve to send the response before the Lambda is killed. */
  readonly safetyMarginMs?: number;
  readonly log?: (message: string) => void;
}

export const DEFAULT_SAFETY_MARGIN_MS = 10_000;

class DeadlineReached extends Error {
  constructor(ms: number) {
    super(
      `the handler did not finish within ${ms} ms and answered before the Lambda timeout; ` +
      'what was written so far stays, and the next deployment or rollback reconciles the rest',
    );
  }
}

export async function runCustomResource<P>(run: CustomResourceRun<P>): Promise<void> {
  const { event, redactor } = run;
  const log = run.log ?? ((message: string) => console.log(message));
  const budgetMs = Math.max(0, run.context.getRemainingTimeInMillis() - (run.safetyMarginMs ?? DEFAULT_SAFETY_MARGIN_MS));

  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineReached(budgetMs)), budgetMs);
  });

  const base = { StackId: event.StackId, RequestId: event.RequestId, LogicalResourceId: event.LogicalResourceId };
  let response;
  try {
    const result = await Promise.race([run.logic(), deadline]);
    response = { ...base, Status: 'SUCCESS' as const, PhysicalResourceId: result.physicalResourceId, Data: result.data };
    log(`${event.RequestType} ${event.LogicalResourceId} succeeded: ${result.physicalResourceId}`);
  } catch (error) {
    const reason = truncateReason(redactor.redact(describeError(error)));
    response = { ...base, Status: 'FAILED' as const, Reason: reason, PhysicalResourceId: run.physicalIdOnFailure };
    log(`${event.RequestType} ${event.LogicalResourceId} failed: ${reason}`);
  } finally {
    clearTimeout(timer);
  }

  try {
    await sendResponse(event.ResponseURL, response);
  } catch (error) {
    // Nothing else can reach CloudFormation; the log is the only trace left.
    log(`could not send the response to CloudFormation: ${redactor.redact(describeError(error))}`);
    throw new Error('could not send the response to CloudFormation');
  }
}
