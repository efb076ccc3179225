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
  /** The function's ARN as invoked; a handler that continues in another invocation invokes it. */
  readonly invokedFunctionArn?: string;
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

/** CloudFormation rejects a response body over 4,096 bytes. */
export const MAX_RESPONSE_BYTES = 4_096;

/** A reason longer than this many bytes of JSON is cut, whatever else the response holds. */
export const MAX_REASON_BYTES = 2_000;

const TRUNCATED = '... (truncated)';

/** Bytes `text` takes inside a JSON string: UTF-8, with JSON's escapes. */
function jsonBytes(text: string): number {
  return Buffer.byteLength(JSON.stringify(text)) - 2;
}

/**
 * `text` cut to at most `maxBytes` bytes of JSON, never inside a character: a message in Japanese
 * or with emoji takes up to 4 bytes a character, and an escaped control character 6.
 */
export function cutToJsonBytes(text: string, maxBytes: number): string {
  if (jsonBytes(text) <= maxBytes) return text;
  const budget = Math.max(0, maxBytes - jsonBytes(TRUNCATED));
  let used = 0;
  let end = 0;
  for (const character of text) {
    const size = jsonBytes(character);
    if (used + size > budget) break;
    used += size;
    end += character.length;
  }
  return text.slice(0, end) + TRUNCATED;
}

export function truncateReason(reason: string): string {
  return cutToJsonBytes(reason, MAX_REASON_BYTES);
}

/** The response with its reason cut so that the whole body fits CloudFormation's limit. */
export function fitResponse(response: CustomResourceResponse): CustomResourceResponse {
  if (response.Reason === undefined || Buffer.byteLength(JSON.stringify(response)) <= MAX_RESPONSE_BYTES) return response;
  const withoutReason = Buffer.byteLength(JSON.stringify({ ...response, Reason: '' }));
  return { ...response, Reason: cutToJsonBytes(response.Reason, MAX_RESPONSE_BYTES - withoutReason) };
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
  const body = JSON.stringify(fitResponse(response));
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
