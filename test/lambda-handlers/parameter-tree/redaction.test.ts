import { Redactor } from '../../../lambda-handlers/shared/redaction';

describe('redaction', () => {
  test('removes every registered secret wherever it occurs', () => {
    // GIVEN
    const redactor = new Redactor();
    redactor.add('s3cr3t-A');
    redactor.add('other');

    // WHEN
    const text = redactor.redact("Value 's3cr3t-A' failed; also other and s3cr3t-A again");

    // THEN
    expect(text).toBe("Value '[REDACTED]' failed; also [REDACTED] and [REDACTED] again");
  });

  test('removes a secret as it appears escaped inside JSON', () => {
    // GIVEN
    const redactor = new Redactor();
    const secret = 'a"b\\c';
    redactor.add(secret);

    // WHEN
    const text = redactor.redact(JSON.stringify({ message: `bad value ${secret}` }));

    // THEN
    expect(text).toBe('{"message":"bad value [REDACTED]"}');
  });

  test('removes a longer secret whole even when it contains a shorter one', () => {
    const redactor = new Redactor();
    redactor.add('abc');
    redactor.add('xxabcxx');
    expect(redactor.redact('xxabcxx abc')).toBe('[REDACTED] [REDACTED]');
  });

  test('ignores empty and undefined values', () => {
    const redactor = new Redactor();
    redactor.add('');
    redactor.add(undefined);
    expect(redactor.redact('nothing to hide')).toBe('nothing to hide');
  });
});
