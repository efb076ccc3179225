/**
 * The Invoke that starts a continuation: which failures show that Lambda did not take the event
 * (the invocation may then answer FAILED) and which may have started the next invocation (it
 * must then leave the answer to it). Against the Lambda Invoke stand-in, over HTTP.
 */
import { LambdaClient } from '@aws-sdk/client-lambda';
import { InvokeFailedError, lambdaInvoker } from '../../../lambda-handlers/shared/continuation';
import { LambdaInvokeStandIn } from '../../support/lambda-invoke-stand-in';

const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:tree-reconciler';

describe('the Invoke that starts a continuation', () => {
  const lambda = new LambdaInvokeStandIn();
  let client: LambdaClient;

  beforeAll(async () => {
    await lambda.start();
    client = new LambdaClient({ endpoint: lambda.endpoint, maxAttempts: 1, requestHandler: { requestTimeout: 300, throwOnRequestTimeout: true } });
  });

  beforeEach(() => {
    lambda.invocations.length = 0;
    lambda.failWith = undefined;
    lambda.answerAfterMs = undefined;
  });

  afterAll(async () => {
    client.destroy();
    await lambda.stop();
  });

  async function failureOf(invoke: Promise<void>): Promise<InvokeFailedError> {
    const error = await invoke.then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(InvokeFailedError);
    return error as InvokeFailedError;
  }

  test('an accepted Invoke queues the payload once', async () => {
    await lambdaInvoker(client)(FUNCTION_ARN, '{"a":1}');

    expect(lambda.invocations).toEqual([{ functionName: FUNCTION_ARN, invocationType: 'Event', payload: '{"a":1}' }]);
  });

  test('a refusal (403) started nothing and is not tried again', async () => {
    lambda.failWith = { status: 403, errorType: 'AccessDeniedException', message: 'not authorized' };

    const error = await failureOf(lambdaInvoker(client)(FUNCTION_ARN, '{}'));

    expect(error.mayHaveStarted).toBe(false);
    expect(error.message).toBe('AccessDeniedException: not authorized');
  });

  test('throttling (429) started nothing; it is tried again', async () => {
    lambda.failWith = { status: 429, errorType: 'TooManyRequestsException', message: 'Rate exceeded' };

    const error = await failureOf(lambdaInvoker(client, 2)(FUNCTION_ARN, '{}'));

    expect(error.mayHaveStarted).toBe(false);
    expect(error.message).toBe('TooManyRequestsException: Rate exceeded');
  });

  test('a server error (500) may have started the invocation', async () => {
    lambda.failWith = { status: 500, errorType: 'ServiceException', message: 'internal' };

    const error = await failureOf(lambdaInvoker(client, 1)(FUNCTION_ARN, '{}'));

    expect(error.mayHaveStarted).toBe(true);
  });

  test('an answer that does not come in time may have started the invocation, even when a later attempt is refused', async () => {
    // GIVEN Lambda takes the event but answers after the caller's timeout
    lambda.answerAfterMs = 1_000;

    // WHEN
    const timedOut = await failureOf(lambdaInvoker(client, 1)(FUNCTION_ARN, '{}'));

    // THEN the event was queued although the caller saw a timeout
    expect(timedOut.mayHaveStarted).toBe(true);
    expect(timedOut.message).toMatch(/^TimeoutError: /);
    expect(lambda.invocations).toHaveLength(1);

    // and WHEN the next attempt is refused, the first one may still have started it
    const retried = lambdaInvoker(client, 2)(FUNCTION_ARN, '{}');
    while (lambda.invocations.length < 2) await new Promise((resolve) => setTimeout(resolve, 10));
    lambda.failWith = { status: 429, errorType: 'TooManyRequestsException', message: 'Rate exceeded' };
    const refusedLater = await failureOf(retried);
    expect(refusedLater.message).toBe('TooManyRequestsException: Rate exceeded');
    expect(refusedLater.mayHaveStarted).toBe(true);
  });

  test('a connection that cannot be made started nothing', async () => {
    // GIVEN an endpoint where nothing listens
    const closed = new LambdaInvokeStandIn();
    await closed.start();
    const nowhere = new LambdaClient({ endpoint: closed.endpoint, maxAttempts: 1 });
    await closed.stop();

    try {
      const error = await failureOf(lambdaInvoker(nowhere, 2)(FUNCTION_ARN, '{}'));

      expect(error.mayHaveStarted).toBe(false);
      expect(error.message).toMatch(/ECONNREFUSED/);
    } finally {
      nowhere.destroy();
    }
  });
});
