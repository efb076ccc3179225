/**
 * Carries a custom resource's work over into another invocation of the same function when one
 * invocation's time runs out: the function invokes itself asynchronously with the event it was
 * given plus a continuation field, and does not answer CloudFormation; the invocation that
 * finishes answers, once. The work must converge from what earlier invocations wrote, which also
 * makes a duplicate delivery of any invocation harmless. Every invocation of one operation shares
 * CloudFormation's limit for it, counted from the first invocation's start.
 *
 * An Invoke that fails without showing that Lambda did not take the event (a timeout once
 * connected, a 5xx) may still have started the next invocation. Then this invocation does not
 * answer: a FAILED would make CloudFormation roll back while that continuation still writes, and
 * the rollback's values could be overwritten. The continuation, if it runs, answers; if none
 * does, CloudFormation's own timeout for the operation fails it.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DeadlineOutcome } from './custom-resource';
import { describeError, isThrottlingError } from './retry';

/** The event field a continuation carries; CloudFormation never sends it. */
export const CONTINUATION_FIELD = 'CdkSecureConfigContinuation';

export interface ContinuationField {
  /** 1 is the invocation CloudFormation made; each continuation counts one more. */
  readonly Attempt: number;
  /** When the first invocation started (ISO 8601). */
  readonly FirstStartedAt: string;
}

/** CloudFormation waits one hour for one custom-resource operation. */
export const OPERATION_LIMIT_MS = 60 * 60_000;
/**
 * Kept from that hour: CloudFormation's clock starts when it sends the event, a little before the
 * first invocation starts, and every continuation waits in Lambda's asynchronous queue too.
 */
export const OPERATION_MARGIN_MS = 5 * 60_000;
/** No continuation is started with less than this left of the operation: it could do little. */
export const MINIMUM_CONTINUATION_MS = 60_000;

/** Invokes a function asynchronously with `payload` (Lambda's InvocationType 'Event'). */
export type InvokeAsync = (functionArn: string, payload: string) => Promise<void>;

/** Attempts of one Invoke: two of at most 2 + 2 s (connection, answer) fit the 10 s kept to answer. */
export const INVOKE_ATTEMPTS = 2;

/** An Invoke that failed; `mayHaveStarted` unless every attempt shows Lambda did not take the event. */
export class InvokeFailedError extends Error {
  constructor(public readonly cause: unknown, public readonly mayHaveStarted: boolean) {
    super(describeError(cause));
    this.name = 'InvokeFailedError';
  }
}

/**
 * Invokes through `client`, which should make one attempt per send (`maxAttempts: 1`): the
 * attempts are made here, so that one that may have reached Lambda is remembered even when a
 * later one is refused.
 */
export function lambdaInvoker(client: LambdaClient, attempts = INVOKE_ATTEMPTS): InvokeAsync {
  return async (functionArn, payload) => {
    let mayHaveStarted = false;
    for (let attempt = 1; ; attempt++) {
      try {
        await client.send(new InvokeCommand({ FunctionName: functionArn, InvocationType: 'Event', Payload: Buffer.from(payload) }));
        return;
      } catch (error) {
        const refused = refusedByLambda(error);
        mayHaveStarted ||= !refused && !neverConnected(error);
        if (attempt >= attempts || (refused && !isThrottlingError(error))) throw new InvokeFailedError(error, mayHaveStarted);
      }
    }
  };
}

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

/** Lambda answered with a refusal (access denied, throttled, no such function...): nothing was queued. */
function refusedByLambda(error: unknown): boolean {
  const status = statusOf(error);
  return status !== undefined && status >= 400 && status < 500;
}

/**
 * Errors of a request that never reached Lambda: no connection was made. Matched in the message
 * too (`connect ECONNREFUSED ...`): the SDK keeps only the message of an error from another realm.
 */
const NOT_CONNECTED = /\b(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ENETUNREACH|EHOSTUNREACH)\b|did not establish a connection/;

function neverConnected(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  // The SDK's connection timeout has no code, only its message; if that wording changes, the
  // error counts as one that may have reached Lambda, which only costs the answer.
  return NOT_CONNECTED.test(`${code ?? ''} ${message ?? ''}`);
}

export interface ContinuationSettings {
  /** Without it, work that runs out of time fails as before. */
  readonly invoke?: InvokeAsync;
  /** Time from the first invocation's start by which the operation answers. @default OPERATION_LIMIT_MS - OPERATION_MARGIN_MS */
  readonly operationLimitMs?: number;
  /** @default MINIMUM_CONTINUATION_MS */
  readonly minimumContinuationMs?: number;
}

export interface ContinuationRequest {
  /** The event as this invocation received it. */
  readonly event: object;
  /** The function's ARN as invoked (`context.invokedFunctionArn`). */
  readonly functionArn?: string;
  /** Whether an error of the work is the deadline cancelling it (anything else fails). */
  readonly isOutOfTime: (error: unknown) => boolean;
  readonly log: (message: string) => void;
  /** @default Date.now() */
  readonly now?: number;
}

/** One invocation's place in its operation, and what it does when its time runs out. */
export class OperationContinuation {
  public readonly attempt: number;
  public readonly firstStartedAt: string;
  /** Epoch ms by which the operation answers CloudFormation. */
  public readonly answerBy: number;
  /** Why the continuation field cannot be read; the work must then fail with it. */
  public readonly problem?: string;

  constructor(private readonly request: ContinuationRequest, private readonly settings: ContinuationSettings) {
    const now = request.now ?? Date.now();
    const raw = (request.event as Record<string, unknown>)[CONTINUATION_FIELD];
    const parsed = raw === undefined ? { Attempt: 1, FirstStartedAt: new Date(now).toISOString() } : parseField(raw);
    if (typeof parsed === 'string') this.problem = parsed;
    const field = typeof parsed === 'string' ? { Attempt: 1, FirstStartedAt: new Date(now).toISOString() } : parsed;
    this.attempt = field.Attempt;
    this.firstStartedAt = field.FirstStartedAt;
    this.answerBy = Date.parse(field.FirstStartedAt) + (settings.operationLimitMs ?? OPERATION_LIMIT_MS - OPERATION_MARGIN_MS);
  }

  /** Words for the log line that opens an invocation. */
  public get description(): string {
    return this.attempt === 1 ? 'invocation 1' : `invocation ${this.attempt}, continuing the operation started at ${this.firstStartedAt}`;
  }

  /** For the runner: continue in another invocation if the error is the deadline and time is left. */
  public async onDeadline(error: unknown): Promise<DeadlineOutcome> {
    const { request, settings } = this;
    const what = describeError(error);
    // Without an invoker the handler does not continue (tests and tools that run it in process).
    if (!request.isOutOfTime(error) || !settings.invoke) return { continued: false, reason: what };
    if (!request.functionArn) {
      return { continued: false, reason: `${what} (it cannot continue in another invocation: Lambda's context names no function to invoke)` };
    }
    const leftMs = this.answerBy - Date.now();
    if (leftMs < (settings.minimumContinuationMs ?? MINIMUM_CONTINUATION_MS)) {
      return {
        continued: false,
        reason: `${what}. The work does not continue: CloudFormation's limit for one custom-resource operation (one hour) is nearly used up ` +
          `after ${this.attempt} invocation(s) since ${this.firstStartedAt}`,
      };
    }
    const next: ContinuationField = { Attempt: this.attempt + 1, FirstStartedAt: this.firstStartedAt };
    try {
      await settings.invoke(request.functionArn, JSON.stringify({ ...request.event, [CONTINUATION_FIELD]: next }));
    } catch (invokeError) {
      if (invokeError instanceof InvokeFailedError && invokeError.mayHaveStarted) {
        request.log(
          `out of time in invocation ${this.attempt}; invoking invocation ${next.Attempt} failed (${invokeError.message}) but may have ` +
          'reached Lambda, so this invocation does not answer CloudFormation: a continuation that started answers, and if none did, ' +
          `CloudFormation's timeout for the operation fails it (${what})`,
        );
        return { continued: true };
      }
      const cause = invokeError instanceof InvokeFailedError ? invokeError.cause : invokeError;
      return { continued: false, reason: `${what}. Continuing in another invocation failed: ${describeError(cause)}` };
    }
    request.log(`out of time in invocation ${this.attempt}; invocation ${next.Attempt} continues and answers CloudFormation (${what})`);
    return { continued: true };
  }
}

/** The field, or why it is not one. */
function parseField(raw: unknown): ContinuationField | string {
  const field = raw as Partial<Record<keyof ContinuationField, unknown>> | null;
  const attempt = field?.Attempt;
  const started = field?.FirstStartedAt;
  if (typeof attempt !== 'number' || !Number.isInteger(attempt) || attempt < 2 || typeof started !== 'string' || Number.isNaN(Date.parse(started))) {
    return `the event's ${CONTINUATION_FIELD} must be {Attempt: an integer of 2 or more, FirstStartedAt: an ISO 8601 time}, got: ${JSON.stringify(raw)}`;
  }
  return { Attempt: attempt, FirstStartedAt: started };
}
