/**
 * A stand-in for Lambda's Invoke API, for the reconciler's asynchronous invocations of itself.
 * moto_server has the API, but it runs a function's code only in Docker, which the test machine
 * does not offer; so this server answers the SDK's real InvokeCommand as Lambda answers an
 * asynchronous invocation (HTTP 202, empty body) and records the payload. The test then delivers
 * each payload to the handler as Lambda would. `failWith` makes it refuse as Lambda refuses;
 * `answerAfterMs` makes it take the event but answer late, as when the caller's timeout passes
 * although Lambda queued the invocation.
 */
import * as http from 'http';
import { AddressInfo } from 'net';

export interface RecordedInvocation {
  readonly functionName: string;
  readonly invocationType: string;
  readonly payload: string;
}

export interface InvokeRefusal {
  readonly status: number;
  /** Lambda's error code, e.g. AccessDeniedException. */
  readonly errorType: string;
  readonly message: string;
}

export class LambdaInvokeStandIn {
  public readonly invocations: RecordedInvocation[] = [];
  /** When set, every Invoke is refused with it and nothing is recorded. */
  public failWith?: InvokeRefusal;
  /** When set, every Invoke is recorded, then answered this much later. */
  public answerAfterMs?: number;
  private server?: http.Server;
  private url?: string;

  public get endpoint(): string {
    if (!this.url) throw new Error('LambdaInvokeStandIn not started');
    return this.url;
  }

  public async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations/.exec(req.url ?? '');
        if (!match || req.method !== 'POST') {
          res.writeHead(404).end();
          return;
        }
        if (this.failWith) {
          const { status, errorType, message } = this.failWith;
          res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': errorType }).end(JSON.stringify({ Type: 'User', Message: message }));
          return;
        }
        this.invocations.push({
          functionName: decodeURIComponent(match[1]),
          invocationType: String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse'),
          payload: body,
        });
        if (this.answerAfterMs === undefined) res.writeHead(202).end();
        else setTimeout(() => res.writeHead(202).end(), this.answerAfterMs);
      });
    });
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
}
