/**
 * Runs a custom resource's logic and answers CloudFormation: on success, on error, and before the
 * Lambda times out, unless the logic, stopped by the deadline, continues in another invocation
 * that answers instead (`onDeadline`). At the deadline the logic's signal aborts, and the answer waits
 * until the logic has stopped: Lambda freezes the environment once the handler returns, and a
 * worker still running would thaw in the next event (often the rollback) and write stale values.
 * Every message passes through the redactor first.
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
  /** Must stop starting work, and cancel its calls, once `signal` aborts. */
  readonly logic: (signal: AbortSignal) => Promise<CustomResourceResult>;
  /**
   * The physical id to report when the logic fails or runs out of time; a function when it
   * depends on what the logic read (asked only on failure).
   */
  readonly physicalIdOnFailure: string | (() => Promise<string>);
  /** Time kept in reserve to send the response before the Lambda is killed. */
  readonly safetyMarginMs?: number;
  readonly log?: (message: string) => void;
  /**
   * Epoch ms by which the answer must be sent, even if the Lambda has more time: the logic's
   * deadline is then the earlier of the two (a limit of the whole operation, say).
   */
  readonly answerBy?: number;
  /**
   * Asked when the deadline cancelled the logic and the logic stopped with `error`: `continued`
   * when another invocation carries the work on and answers instead of this one (this one then
   * sends nothing), else the reason to fail with.
   */
  readonly onDeadline?: (error: unknown) => Promise<DeadlineOutcome>;
}

export type DeadlineOutcome = { readonly continued: true } | { readonly continued: false; readonly reason: string };

export const DEFAULT_SAFETY_MARGIN_MS = 10_000;

/** The logic's own reason on a deadline is the precise one; this is for logic that gave none. */
class DeadlineReached extends Error {
  constructor(ms: number) {
    super(
      `the handler did not finish within ${ms} ms and answered before the Lambda timeout; ` +
      'what was written so far stays, and the next deployment or rollback reconciles the rest',
    );
  }
}

/** Share of the safety margin the answer waits for cancelled work to stop, before it answers anyway. */
const STOP_WAIT_SHARE = 0.5;

export async function runCustomResource<P>(run: CustomResourceRun<P>): Promise<void> {
  const { event, redactor } = run;
  const log = run.log ?? ((message: string) => console.log(message));
  const remainingMs = Math.min(run.context.getRemainingTimeInMillis(), run.answerBy === undefined ? Infinity : run.answerBy - Date.now());
  const budgetMs = Math.max(0, remainingMs - (run.safetyMarginMs ?? DEFAULT_SAFETY_MARGIN_MS));

  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), budgetMs);
  // A backstop only: logic that ignores its signal must not keep CloudFormation waiting an hour.
  let backstop: NodeJS.Timeout | undefined;
  const stopped = new Promise<never>((_, reject) => {
    controller.signal.addEventListener('abort', () => {
      const waitMs = (run.safetyMarginMs ?? DEFAULT_SAFETY_MARGIN_MS) * STOP_WAIT_SHARE;
      backstop = setTimeout(() => reject(new DeadlineReached(budgetMs)), waitMs);
    }, { once: true });
  });

  const base = { StackId: event.StackId, RequestId: event.RequestId, LogicalResourceId: event.LogicalResourceId };
  let response;
  try {
    const result = await Promise.race([run.logic(controller.signal), stopped]);
    response = { ...base, Status: 'SUCCESS' as const, PhysicalResourceId: result.physicalResourceId, Data: result.data };
    log(`${event.RequestType} ${event.LogicalResourceId} succeeded: ${result.physicalResourceId}`);
  } catch (error) {
    // Only logic that stopped may continue elsewhere: a worker still running would race the next invocation.
    const outcome = controller.signal.aborted && !(error instanceof DeadlineReached) && run.onDeadline
      ? await run.onDeadline(error).catch((e): DeadlineOutcome => ({ continued: false, reason: `${describeError(error)}; ${describeError(e)}` }))
      : undefined;
    // Another invocation answers; the timers are cleared on the way out.
    if (outcome?.continued) return;
    const reason = truncateReason(redactor.redact(outcome ? outcome.reason : describeError(error)));
    response = { ...base, Status: 'FAILED' as const, Reason: reason, PhysicalResourceId: await failureId(run.physicalIdOnFailure) };
    log(`${event.RequestType} ${event.LogicalResourceId} failed: ${reason}`);
  } finally {
    clearTimeout(timer);
    clearTimeout(backstop);
  }

  try {
    await sendResponse(event.ResponseURL, response);
  } catch (error) {
    // Nothing else can reach CloudFormation; the log is the only trace left.
    log(`could not send the response to CloudFormation: ${redactor.redact(describeError(error))}`);
    throw new Error('could not send the response to CloudFormation');
  }
}

async function failureId(id: string | (() => Promise<string>)): Promise<string> {
  return typeof id === 'string' ? id : id();
}
