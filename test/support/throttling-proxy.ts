/**
 * A throttling stand-in for Parameter Store: an HTTP proxy in front of moto_server with one token
 * bucket per SSM action (from the `X-Amz-Target` header). A call over the limit gets the answer
 * SSM gives (HTTP 400, `x-amzn-ErrorType: ThrottlingException`, the JSON body below) and never
 * reaches moto; every other call is forwarded unchanged. moto_server itself never throttles.
 */
import * as http from 'http';
import { AddressInfo } from 'net';

/** Buckets by action; GetParameter, GetParameters and GetParametersByPath share one (documented). */
export type BucketLimits = Record<string, number>;

export interface ThrottlingProxyOptions {
  /** moto_server's endpoint. */
  readonly target: string;
  /** Calls per second per bucket; actions without a bucket are never throttled. */
  readonly limits: BucketLimits;
  /** A bucket holds this many seconds of its rate (at least one call): the burst it allows. */
  readonly burstSeconds?: number;
  /**
   * DescribeParameters pages of up to this many parameters, as AWS returns (50), made of moto's
   * pages of 10: one throttled call then reads what one call reads on AWS.
   * @default - moto's pages, unchanged
   */
  readonly describePageSize?: number;
}

export interface ProxyEvent {
  /** Milliseconds since the epoch when the request arrived. */
  readonly at: number;
  readonly action: string;
  /** 'competitor' for requests whose user agent says so, else 'main'. */
  readonly client: string;
  readonly throttled: boolean;
}

const THROTTLE_BODY = JSON.stringify({ __type: 'ThrottlingException', message: 'Rate exceeded' });
const SHARED_GET_BUCKET = 'GetParameter*';
const SHARED_GET_ACTIONS = new Set(['GetParameter', 'GetParameters', 'GetParametersByPath']);

/** The bucket an action draws from. */
export function bucketOf(action: string): string {
  return SHARED_GET_ACTIONS.has(action) ? SHARED_GET_BUCKET : action;
}

class TokenBucket {
  private tokens: number;
  private last = Date.now();

  constructor(private readonly rate: number, private readonly capacity: number) {
    this.tokens = capacity;
  }

  public take(): boolean {
    const now = Date.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

export class ThrottlingProxy {
  /** Every request seen, in arrival order. */
  public readonly events: ProxyEvent[] = [];
  private readonly buckets = new Map<string, TokenBucket>();
  private server?: http.Server;
  private url?: string;

  constructor(private readonly options: ThrottlingProxyOptions) {
    for (const [bucket, rate] of Object.entries(options.limits)) {
      this.buckets.set(bucket, new TokenBucket(rate, Math.max(1, rate * (options.burstSeconds ?? 1))));
    }
  }

  public get endpoint(): string {
    if (!this.url) throw new Error('ThrottlingProxy not started');
    return this.url;
  }

  public async start(): Promise<void> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    // Keep-alive connections from SDK clients would hold close() open.
    this.server.keepAliveTimeout = 1_000;
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  public async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Calls forwarded and throttled per action, for one client and optionally since a time. */
  public counts(client = 'main', since = 0): Record<string, { forwarded: number; throttled: number }> {
    const counts: Record<string, { forwarded: number; throttled: number }> = {};
    for (const e of this.events) {
      if (e.client !== client || e.at < since) continue;
      const c = (counts[e.action] ??= { forwarded: 0, throttled: 0 });
      if (e.throttled) c.throttled++;
      else c.forwarded++;
    }
    return counts;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const target = String(req.headers['x-amz-target'] ?? '');
    const action = target.includes('.') ? target.slice(target.indexOf('.') + 1) : '';
    const client = /competitor/.test(String(req.headers['user-agent'] ?? '')) ? 'competitor' : 'main';
    const bucket = action ? this.buckets.get(bucketOf(action)) : undefined;
    const throttled = bucket ? !bucket.take() : false;
    this.events.push({ at: Date.now(), action: action || `${req.method} ${req.url}`, client, throttled });

    if (throttled) {
      req.resume();
      res.writeHead(400, {
        'content-type': 'application/x-amz-json-1.1',
        'x-amzn-ErrorType': 'ThrottlingException',
        'x-amzn-RequestId': `throttled-${this.events.length}`,
        'content-length': Buffer.byteLength(THROTTLE_BODY),
      });
      res.end(THROTTLE_BODY);
      return;
    }
    if (action === 'DescribeParameters' && this.options.describePageSize) {
      void this.describeInLargerPages(req, res, this.options.describePageSize);
      return;
    }
    const upstream = new URL(req.url ?? '/', this.options.target);
    const forward = http.request(upstream, { method: req.method, headers: { ...req.headers, host: upstream.host } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forward.on('error', (error) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`proxy: ${error.message}`);
    });
    // A client that gave up (aborted) closes its side; stop forwarding what is left.
    req.on('aborted', () => forward.destroy());
    req.pipe(forward);
  }

  /** Reads moto's pages until `pageSize` parameters or the end, and answers them as one page. */
  private async describeInLargerPages(req: http.IncomingMessage, res: http.ServerResponse, pageSize: number): Promise<void> {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const request = JSON.parse(raw || '{}');
    const parameters: unknown[] = [];
    let token: string | undefined = request.NextToken;
    try {
      do {
        const { status, json } = await forwardJson(this.options.target, req, { ...request, NextToken: token, MaxResults: undefined });
        if (status !== 200) {
          res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(json));
          return;
        }
        parameters.push(...(json.Parameters ?? []));
        token = json.NextToken;
      } while (token && parameters.length < pageSize);
      const body = JSON.stringify({ Parameters: parameters, ...(token ? { NextToken: token } : {}) });
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }).end(body);
    } catch (error) {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`proxy: ${(error as Error).message}`);
    }
  }
}

/** One JSON call to moto_server with the request's headers (the signature is not checked). */
async function forwardJson(target: string, req: http.IncomingMessage, body: unknown): Promise<{ status: number; json: any }> {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(req.headers)) {
    if (typeof value === 'string' && !['content-length', 'host'].includes(key)) headers[key] = value;
  }
  const answer = await fetch(new URL(req.url ?? '/', target), { method: 'POST', headers, body: JSON.stringify(body) });
  return { status: answer.status, json: await answer.json() };
}

/** `limits` with every rate multiplied by `factor`: tests scale the quotas so they stay quick. */
export function scaledLimits(limits: BucketLimits, factor: number): BucketLimits {
  return Object.fromEntries(Object.entries(limits).map(([bucket, rate]) => [bucket, rate * factor]));
}
