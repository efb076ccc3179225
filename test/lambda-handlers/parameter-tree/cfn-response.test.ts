import * as http from 'http';
import { AddressInfo } from 'net';
import { CreateEvent, MAX_REASON_BYTES, MAX_RESPONSE_BYTES, sendResponse } from '../../../lambda-handlers/shared/cfn-response';
import { runCustomResource } from '../../../lambda-handlers/shared/custom-resource';
import { Redactor } from '../../../lambda-handlers/shared/redaction';

interface Received {
  method: string;
  contentType: string | undefined;
  body: string;
}

/** A local stand-in for the pre-signed URL; answers with the given status codes in turn. */
async function responseServer(statuses: number[] = []): Promise<{ url: string; received: Received[]; close: () => Promise<void> }> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ method: req.method!, contentType: req.headers['content-type'], body });
      res.writeHead(statuses.shift() ?? 200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/response?sig=x`;
  return { url, received, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

function event(url: string): CreateEvent<{ Path: string }> {
  return {
    RequestType: 'Create',
    ServiceToken: 'arn:fn',
    ResponseURL: url,
    RequestId: 'req-1',
    LogicalResourceId: 'Tree',
    StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/S/uuid',
    ResourceType: 'Custom::X',
    ResourceProperties: { Path: '/p' },
  };
}

describe('CloudFormation response', () => {
  test('is PUT as JSON with an empty content type, as the pre-signed URL expects', async () => {
    // GIVEN
    const server = await responseServer();
    try {
      // WHEN
      await sendResponse(server.url, { Status: 'SUCCESS', PhysicalResourceId: 'id', StackId: 's', RequestId: 'r', LogicalResourceId: 'l' });

      // THEN
      expect(server.received).toEqual([{ method: 'PUT', contentType: '', body: JSON.stringify({ Status: 'SUCCESS', PhysicalResourceId: 'id', StackId: 's', RequestId: 'r', LogicalResourceId: 'l' }) }]);
    } finally {
      await server.close();
    }
  });

  test('is sent again when the URL answers 5xx', async () => {
    const server = await responseServer([503]);
    try {
      await sendResponse(server.url, { Status: 'SUCCESS', PhysicalResourceId: 'id', StackId: 's', RequestId: 'r', LogicalResourceId: 'l' }, { retryDelayMs: 1 });
      expect(server.received).toHaveLength(2);
    } finally {
      await server.close();
    }
  });

  test('reports SUCCESS with the physical id and data', async () => {
    // GIVEN
    const server = await responseServer();
    try {
      // WHEN
      await runCustomResource({
        event: event(server.url),
        context: { getRemainingTimeInMillis: () => 60_000 },
        redactor: new Redactor(),
        log: () => {},
        physicalIdOnFailure: 'unused',
        logic: async () => ({ physicalResourceId: '/p@1', data: { Path: '/p' } }),
      });

      // THEN
      expect(JSON.parse(server.received[0].body)).toEqual({
        Status: 'SUCCESS', PhysicalResourceId: '/p@1', Data: { Path: '/p' }, StackId: event('').StackId, RequestId: 'req-1', LogicalResourceId: 'Tree',
      });
    } finally {
      await server.close();
    }
  });

  test('reports FAILED with a redacted, size-limited reason when the logic throws', async () => {
    // GIVEN
    const server = await responseServer();
    const redactor = new Redactor();
    redactor.add('the-secret');
    const logged: string[] = [];
    try {
      // WHEN
      await runCustomResource({
        event: event(server.url),
        context: { getRemainingTimeInMillis: () => 60_000 },
        redactor,
        log: (m) => logged.push(m),
        physicalIdOnFailure: '/p@failed',
        logic: async () => { throw new Error(`bad value the-secret ${'x'.repeat(5_000)}`); },
      });

      // THEN
      const body = JSON.parse(server.received[0].body);
      expect(body).toMatchObject({ Status: 'FAILED', PhysicalResourceId: '/p@failed' });
      expect(body.Reason).toMatch(/^bad value \[REDACTED\] x+\.\.\. \(truncated\)$/);
      expect(Buffer.byteLength(body.Reason)).toBeLessThanOrEqual(MAX_REASON_BYTES);
      expect(logged.join('\n')).not.toContain('the-secret');
    } finally {
      await server.close();
    }
  });

  test.each([
    ['Japanese (3 bytes a character)', 'パラメータの書き込みに失敗しました。'],
    ['emoji (4 bytes, two UTF-16 units)', '🔐💥'],
    ['accented Latin (2 bytes)', 'échec de l’écriture '],
    ['control characters (6 bytes escaped)', '\u0001\u0002 '],
  ])('keeps the whole response within 4,096 bytes for a long reason in %s, cut between characters', async (_case, unit) => {
    // GIVEN a failure message of several thousand non-ASCII characters and a long physical id
    const server = await responseServer();
    const message = unit.repeat(Math.ceil(6_000 / unit.length));
    try {
      // WHEN
      await runCustomResource({
        event: event(server.url),
        context: { getRemainingTimeInMillis: () => 60_000 },
        redactor: new Redactor(),
        log: () => {},
        physicalIdOnFailure: `/p@${'g'.repeat(1_500)}`,
        logic: async () => { throw new Error(message); },
      });

      // THEN
      const raw = server.received[0].body;
      expect(Buffer.byteLength(raw)).toBeLessThanOrEqual(MAX_RESPONSE_BYTES);
      const reason: string = JSON.parse(raw).Reason;
      expect(reason).toMatch(/\.\.\. \(truncated\)$/);
      const kept = reason.slice(0, -'... (truncated)'.length);
      expect(message.startsWith(kept)).toBe(true);
      expect(kept).not.toMatch(/[\uD800-\uDBFF]$/);
      expect(kept.length).toBeGreaterThan(0);
    } finally {
      await server.close();
    }
  });

  test('cuts the reason so the body fits even when the rest of the response is large', async () => {
    // GIVEN a response whose ids alone take most of the 4,096 bytes
    const server = await responseServer();
    try {
      // WHEN
      await sendResponse(server.url, {
        Status: 'FAILED', Reason: 'ü'.repeat(1_000), PhysicalResourceId: 'p'.repeat(3_000), StackId: 's', RequestId: 'r', LogicalResourceId: 'l',
      });

      // THEN
      const raw = server.received[0].body;
      expect(Buffer.byteLength(raw)).toBeLessThanOrEqual(MAX_RESPONSE_BYTES);
      expect(JSON.parse(raw).Reason).toMatch(/^ü+\.\.\. \(truncated\)$/);
    } finally {
      await server.close();
    }
  });

  test('reports FAILED before the Lambda times out when the logic hangs', async () => {
    // GIVEN 60 ms left, 20 ms of them kept to respond
    const server = await responseServer();
    try {
      // WHEN
      const started = Date.now();
      await runCustomResource({
        event: event(server.url),
        context: { getRemainingTimeInMillis: () => 60 },
        redactor: new Redactor(),
        log: () => {},
        safetyMarginMs: 20,
        physicalIdOnFailure: '/p@x',
        logic: () => new Promise(() => {}),
      });

      // THEN
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(JSON.parse(server.received[0].body)).toMatchObject({ Status: 'FAILED', Reason: expect.stringMatching(/did not finish within 40 ms/) });
    } finally {
      await server.close();
    }
  });

  /** Logic that stops, with `error`, once the deadline aborts its signal. */
  const stopsAtDeadline = (error: Error) => (signal: AbortSignal) => new Promise<never>((_, reject) => {
    signal.addEventListener('abort', () => reject(error), { once: true });
  });

  test('sends nothing when the logic stopped at the deadline and the work continues in another invocation', async () => {
    // GIVEN
    const server = await responseServer();
    const asked: unknown[] = [];
    const stopped = new Error('out of time');
    try {
      // WHEN
      await runCustomResource({
        event: event(server.url),
        context: { getRemainingTimeInMillis: () => 60 },
        redactor: new Redactor(),
        log: () => {},
        safetyMarginMs: 20,
        physicalIdOnFailure: '/p@x',
        logic: stopsAtDeadline(stopped),
        onDeadline: async (error) => {
          asked.push(error);
          return { continued: true };
        },
      });

      // THEN
      expect(asked).toEqual([stopped]);
      expect(server.received).toEqual([]);
    } finally {
      await server.close();
    }
  });

  test("answers FAILED with the continuation's reason when the work cannot continue", async () => {
    const server = await responseServer();
    try {
      await runCustomResource({
        event: event(server.url),
        context: { getRemainingTimeInMillis: () => 60 },
        redactor: new Redactor(),
        log: () => {},
        safetyMarginMs: 20,
        physicalIdOnFailure: '/p@x',
        logic: stopsAtDeadline(new Error('out of time')),
        onDeadline: async () => ({ continued: false, reason: 'out of time. Continuing failed' }),
      });

      expect(JSON.parse(server.received[0].body)).toMatchObject({ Status: 'FAILED', Reason: 'out of time. Continuing failed' });
    } finally {
      await server.close();
    }
  });

  test('asks nothing of the continuation for a failure before the deadline, nor for logic that never stops', async () => {
    const server = await responseServer();
    const asked: unknown[] = [];
    const onDeadline = async (error: unknown) => {
      asked.push(error);
      return { continued: true } as const;
    };
    try {
      const run = { event: event(server.url), redactor: new Redactor(), log: () => {}, safetyMarginMs: 20, physicalIdOnFailure: '/p@x', onDeadline };
      await runCustomResource({ ...run, context: { getRemainingTimeInMillis: () => 60_000 }, logic: async () => { throw new Error('refused'); } });
      await runCustomResource({ ...run, context: { getRemainingTimeInMillis: () => 60 }, logic: () => new Promise(() => {}) });

      expect(asked).toEqual([]);
      expect(server.received.map((r) => JSON.parse(r.body).Status)).toEqual(['FAILED', 'FAILED']);
    } finally {
      await server.close();
    }
  });

  test('ends the logic at `answerBy` when that comes before the Lambda timeout', async () => {
    // GIVEN a Lambda with a minute left (beyond jest's 5 s per test), and an operation that must answer within 60 ms
    const server = await responseServer();
    try {
      // WHEN
      await runCustomResource({
        event: event(server.url),
        context: { getRemainingTimeInMillis: () => 60_000 },
        redactor: new Redactor(),
        log: () => {},
        safetyMarginMs: 20,
        answerBy: Date.now() + 60,
        physicalIdOnFailure: '/p@x',
        logic: stopsAtDeadline(new Error('out of time')),
      });

      // THEN the logic was stopped, and the answer sent, well before the Lambda's minute
      expect(JSON.parse(server.received[0].body)).toMatchObject({ Status: 'FAILED', Reason: 'out of time' });
    } finally {
      await server.close();
    }
  });
});
