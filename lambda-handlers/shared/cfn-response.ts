/**
 * The CloudFormation custom-resource protocol for a Lambda that is itself the ServiceToken:
 * the event types, and the PUT of the result to the pre-signed `ResponseURL`.
 */
import * as http from 'http';
import * as https from 'https';

interface BaseEvent<P> {
  readonly ServiceToken: string;
  readonly ResponseURL: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly ResourceType: string;
  readonly ResourceProperties: P & { readonly ServiceToken?: string };
}

export interface CreateEvent<P> extends BaseEvent<P> {
  readonly RequestType: 'Create';
}

export interface UpdateEvent<P> extends BaseEvent<P> {
  readonly RequestType: 'Update';
  readonly PhysicalResourceId: string;
  readonly OldResourceProperties: P & { readonly ServiceToken?: string };
}

export interface DeleteEvent<P> extends BaseEvent<P> {
  readonly RequestType: 'Delete';
  readonly PhysicalResourceId: string;
}

export type CustomResourceEvent<P> = CreateEvent<P> | UpdateEvent<P> | DeleteEvent<P>;

/** The part of the Lambda context a custom resource needs. */
export interface LambdaContextLike {
  getRemainingTimeInMillis(): number;
}

export interface CustomResourceResponse {
  readonly Status: 'SUCCESS' | 'FAILED';
  readonly Reason?: string;
  readonly PhysicalResourceId: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly NoEcho?: boolean;
  readonly Data?: Record<string, string>;
}

/** CloudFormation rejects response bodies over 4 KiB; the reason is what gets cut. */
export const MAX_REASON_LENGTH = 2_000;

export function truncateReason(reason: string): string {
  return reason.length <= MAX_REASON_LENGTH ? reason : `${reason.slice(0, MAX_REASON_LENGTH - 15)}... (truncated)`;
}

export interface SendOptions {
  /** Per attempt. */
  readonly timeoutMs?: number;
  readonly attempts?: number;
  readonly retryDelayMs?: number;
}

/**
 * PUTs the response to the pre-signed URL (https, or http for local tests). Retries network
 * errors and 5xx answers a few times: a response that never arrives leaves the stack waiting
 * for an hour.
 */
export async function sendResponse(responseUrl: string, response: CustomResourceResponse, options: SendOptions = {}): Promise<void> {
  const attempts = options.attempts ?? 3;
  const body = JSON.stringify(response);
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      await putOnce(responseUrl, body, options.timeoutMs ?? 10_000);
      return;
    } catch (error) {
      lastError = error;
      if (attempt < attempts) await new Promise((r) => setTimeout(r, (options.retryDelayMs ?? 500) * attempt));
    }
  }
  throw lastError;
}

function putOnce(responseUrl: string, body: string, timeoutMs: number): Promise<void> {
  const url = new URL(responseUrl);
  const transport = url.protocol === 'http:' ? http : https;
  return new Promise((resolve, reject) => {
    const request = transport.request(url, {
      method: 'PUT',
      // The pre-signed S3 URL is signed for an empty content type.
      headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) },
      timeout: timeoutMs,
    }, (res) => {
      res.resume();
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) resolve();
        else reject(new Error(`response URL answered HTTP ${status}`));
      });
    });
    request.on('timeout', () => request.destroy(new Error(`response URL did not answer within ${timeoutMs} ms`)));
    request.on('error', reject);
    request.end(body);
  });
}
