/**
 * The adaptive rate limiter and the paced-call retry policy, on a fake clock: what waits how long,
 * how the rate moves, which errors are retried and for how long. No I/O.
 */
import { pacedSsmCalls, START_SHARE_OF_QUOTA } from '../../../lambda-handlers/parameter-tree/reconciler';
import { PacedCalls, THROTTLED_ATTEMPTS_WITHOUT_DEADLINE } from '../../../lambda-handlers/shared/paced-calls';
import { AbortedError, AdaptiveRateLimiter } from '../../../lambda-handlers/shared/rate-limiter';
import { Redactor } from '../../../lambda-handlers/shared/redaction';
import { PARAMETER_STORE_TPS } from '../../../src/parameter-tree/private/contract';

/** A clock that only moves when someone sleeps on it. */
class FakeClock {
  public nowMs = 1_000_000;
  public readonly sleeps: number[] = [];
  public readonly now = () => this.nowMs;
  public readonly sleep = async (ms: number) => {
    this.sleeps.push(ms);
    this.nowMs += ms;
  };
}

function awsError(name: string, status = 400): Error {
  return Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode: status } });
}

function limiter(clock: FakeClock, overrides: Partial<ConstructorParameters<typeof AdaptiveRateLimiter>[0]> = {}): AdaptiveRateLimiter {
  return new AdaptiveRateLimiter({
    initialRate: 2, maxRate: 4, minRate: 0.5, increasePerSecond: 0.5, decreaseFactor: 0.5, now: clock.now, sleep: clock.sleep, ...overrides,
  });
}

describe('AdaptiveRateLimiter', () => {
  test('paces callers one slot apart, however many ask at once', async () => {
    // GIVEN 2 calls per second, on a clock that stands still while they wait
    const clock = new FakeClock();
    const rl = limiter(clock, { sleep: async (ms) => { clock.sleeps.push(ms); } });

    // WHEN four workers ask at the same moment
    await Promise.all([rl.acquire(), rl.acquire(), rl.acquire(), rl.acquire()]);

    // THEN the first goes at once, the others wait for slots 500 ms apart
    expect(clock.sleeps).toEqual([500, 1000, 1500]);
  });

  test('a throttle cuts the rate by the decrease factor, once per burst of throttles', () => {
    const clock = new FakeClock();
    const rl = limiter(clock);
    rl.onThrottle();
    rl.onThrottle();
    rl.onThrottle();
    expect(rl.rate).toBe(1);
    clock.nowMs += 1_001;
    rl.onThrottle();
    expect(rl.rate).toBe(0.5);
  });

  test('never goes below the minimum rate, so a long-throttled run still progresses', () => {
    const clock = new FakeClock();
    const rl = limiter(clock);
    for (let i = 0; i < 10; i++) {
      rl.onThrottle();
      clock.nowMs += 2_000;
    }
    expect(rl.rate).toBe(0.5);
  });

  test('speeds up by the increase per second of quiet time, up to the maximum', () => {
    const clock = new FakeClock();
    const rl = limiter(clock);
    clock.nowMs += 1_000;
    rl.onSuccess();
    expect(rl.rate).toBe(2.5);
    clock.nowMs += 60_000;
    rl.onSuccess();
    expect(rl.rate).toBe(4);
  });

  test('an aborted signal stops a waiting caller with AbortedError', async () => {
    // GIVEN a caller waiting for a slot on a real timer
    const rl = new AdaptiveRateLimiter({
      initialRate: 0.5,
      maxRate: 0.5,
      minRate: 0.5,
      increasePerSecond: 0,
      decreaseFactor: 0.5,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    });
    const controller = new AbortController();
    await rl.acquire(controller.signal);
    const waiting = rl.acquire(controller.signal);

    // WHEN
    controller.abort();

    // THEN
    await expect(waiting).rejects.toBeInstanceOf(AbortedError);
  });

  test.each([
    [0, 1, 2],
    [1, 3, 2],
    [2, 1, 1],
  ])('refuses rates min %d, initial %d, max %d', (min, initial, max) => {
    expect(() => limiter(new FakeClock(), { minRate: min, initialRate: initial, maxRate: max })).toThrow(/rates must satisfy 0 < min <= initial <= max/);
  });
});

describe('PacedCalls', () => {
  function calls(clock: FakeClock, signal?: AbortSignal): PacedCalls<'PutParameter' | 'Other'> {
    return new PacedCalls({
      startRates: { PutParameter: 2 }, maxRates: { PutParameter: 3 }, signal, sleep: clock.sleep, now: clock.now, random: () => 0.5,
    });
  }

  test('retries throttles with no attempt cap while the deadline allows, slowing down', async () => {
    // GIVEN a call throttled 30 times, then accepted
    const clock = new FakeClock();
    const paced = calls(clock, new AbortController().signal);
    let attempts = 0;

    // WHEN
    const result = await paced.call('PutParameter', async () => {
      if (++attempts <= 30) throw awsError('ThrottlingException');
      return 'written';
    });

    // THEN
    expect(result).toBe('written');
    expect(attempts).toBe(31);
    expect(paced.throttles).toEqual({ PutParameter: 30 });
    expect(paced.rateOf('PutParameter')).toBeLessThan(2);
  });

  test('stops retrying throttles when the deadline aborts', async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    const paced = calls(clock, controller.signal);
    let attempts = 0;
    await expect(paced.call('PutParameter', async () => {
      if (++attempts === 5) controller.abort();
      throw awsError('ThrottlingException');
    })).rejects.toBeInstanceOf(AbortedError);
    expect(attempts).toBe(5);
  });

  test('passes the signal on to the call, for the SDK to cancel a request in flight', async () => {
    const controller = new AbortController();
    const paced = calls(new FakeClock(), controller.signal);
    await paced.call('PutParameter', async (signal) => expect(signal).toBe(controller.signal));
  });

  test('without a deadline, bounds throttled attempts', async () => {
    const paced = calls(new FakeClock());
    let attempts = 0;
    await expect(paced.call('PutParameter', async () => {
      attempts++;
      throw awsError('ThrottlingException');
    })).rejects.toThrow(`gave up after ${THROTTLED_ATTEMPTS_WITHOUT_DEADLINE} attempts: ThrottlingException`);
    expect(attempts).toBe(THROTTLED_ATTEMPTS_WITHOUT_DEADLINE);
  });

  test('gives up on other transient errors after the small attempt cap', async () => {
    const clock = new FakeClock();
    const paced = calls(clock, new AbortController().signal);
    let attempts = 0;
    await expect(paced.call('Other', async () => {
      attempts++;
      throw awsError('InternalServerError', 500);
    })).rejects.toThrow('gave up after 4 attempts: InternalServerError: InternalServerError happened');
    expect(attempts).toBe(4);
    // backoff between them, on an unpaced action
    expect(clock.sleeps).toHaveLength(3);
  });

  test('fails at once on an error that is not transient', async () => {
    const paced = calls(new FakeClock(), new AbortController().signal);
    let attempts = 0;
    await expect(paced.call('PutParameter', async () => {
      attempts++;
      throw awsError('ParameterAlreadyExists');
    })).rejects.toMatchObject({ name: 'ParameterAlreadyExists' });
    expect(attempts).toBe(1);
  });
});

describe('the reconciler\'s limiters', () => {
  const deps = { ssm: {} as any, kms: {} as any, redactor: new Redactor(), sleep: async () => {}, concurrency: 4, log: () => {} };

  test.each([
    ['default', 'PutParameter', PARAMETER_STORE_TPS.default.PutParameter],
    ['default', 'GetParameter*', PARAMETER_STORE_TPS.default['GetParameter*']],
    ['higher', 'PutParameter', PARAMETER_STORE_TPS.higher.PutParameter],
    ['higher', 'DeleteParameters', PARAMETER_STORE_TPS.higher.DeleteParameters],
  ] as const)('with the %s throughput setting, %s starts just under its quota of %d TPS', (throughput, action, quota) => {
    expect(pacedSsmCalls(throughput, deps).rateOf(action)).toBeCloseTo(quota * START_SHARE_OF_QUOTA);
  });

  test('quotas given by a test or the benchmark replace the setting\'s', () => {
    expect(pacedSsmCalls('default', { ...deps, quotas: { PutParameter: 30 } }).rateOf('PutParameter')).toBeCloseTo(30 * START_SHARE_OF_QUOTA);
  });
});
