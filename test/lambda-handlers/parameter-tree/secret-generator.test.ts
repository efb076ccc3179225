import { randomBytes } from 'crypto';
import { allowedCharacters, generateSecret } from '../../../lambda-handlers/parameter-tree/secret-generator';

describe('secret generator', () => {
  test('uses letters, digits and punctuation by default', () => {
    // WHEN
    const charset = allowedCharacters({ excludeCharacters: '', excludePunctuation: false });

    // THEN the 94 printable ASCII characters but space, each once
    expect(charset).toHaveLength(94);
    expect(new Set(charset).size).toBe(94);
    expect(charset).toMatch(/^[!-~]+$/);
  });

  test('ExcludePunctuation keeps letters and digits only', () => {
    expect(allowedCharacters({ excludeCharacters: '', excludePunctuation: true })).toMatch(/^[A-Za-z0-9]{62}$/);
  });

  test('ExcludeCharacters removes exactly the characters listed', () => {
    // WHEN
    const charset = allowedCharacters({ excludeCharacters: 'aB3"\\', excludePunctuation: false });

    // THEN
    expect(charset).toHaveLength(89);
    for (const c of 'aB3"\\') expect(charset).not.toContain(c);
  });

  test.each([12, 32, 48, 100])('makes a value of length %i from the allowed characters only', (length) => {
    // WHEN
    const value = generateSecret({ length, excludeCharacters: 'xyz', excludePunctuation: true });

    // THEN
    expect(value).toHaveLength(length);
    expect(value).toMatch(/^[A-Za-w0-9]+$/);
  });

  test('two values are never the same', () => {
    const options = { length: 32, excludeCharacters: '', excludePunctuation: false };
    expect(generateSecret(options)).not.toBe(generateSecret(options));
  });

  /** Chi-squared statistic of 62,000 characters drawn with `draw` from the 62 letters and digits. */
  function chiSquaredOf(draw?: (max: number) => number): { statistic: number; distinct: number } {
    const options = { length: 3_875, excludeCharacters: '', excludePunctuation: true };
    const counts = new Map<string, number>();
    for (let i = 0; i < 16; i++) {
      for (const c of generateSecret(options, draw)) counts.set(c, (counts.get(c) ?? 0) + 1);
    }
    const expected = (16 * options.length) / 62;
    const statistic = [...counts.values()].reduce((sum, n) => sum + (n - expected) ** 2 / expected, 0);
    return { statistic, distinct: counts.size };
  }

  // 61 degrees of freedom: the 99.99th percentile of chi-squared is about 118.
  const CHI_SQUARED_LIMIT = 118;

  test('draws every character with equal probability', () => {
    const { statistic, distinct } = chiSquaredOf();
    expect(distinct).toBe(62);
    expect(statistic).toBeLessThan(CHI_SQUARED_LIMIT);
  });

  test('the uniformity check detects the modulo bias of a random byte', () => {
    // GIVEN the classic mistake: byte % 62 favours the first 8 characters (5/256 against 4/256)
    const moduloDraw = (max: number) => randomBytes(1)[0] % max;

    // THEN
    expect(chiSquaredOf(moduloDraw).statistic).toBeGreaterThan(CHI_SQUARED_LIMIT);
  });

  test('never returns a value containing "{{"', () => {
    // GIVEN a draw that yields '{' twice first, then letters
    const charset = allowedCharacters({ excludeCharacters: '', excludePunctuation: false });
    const draws = [charset.indexOf('{'), charset.indexOf('{'), 0, 1];
    let i = 0;

    // WHEN
    const value = generateSecret({ length: 2, excludeCharacters: '', excludePunctuation: false }, () => draws[i++]);

    // THEN the first value was rejected and drawn again
    expect(value).toBe(charset[0] + charset[1]);
  });

  test.each([
    [0, '', /`Length` must be an integer from 1 to 4096, got: '0'/],
    [4097, '', /`Length` must be an integer from 1 to 4096, got: '4097'/],
    [1.5, '', /`Length` must be an integer from 1 to 4096, got: '1.5'/],
    [10, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz012345678', /`ExcludeCharacters` leaves fewer than 2 characters to choose from, got: 'ABC/],
  ])('rejects length %s with exclusions %p', (length, excludeCharacters, message) => {
    expect(() => generateSecret({ length, excludeCharacters, excludePunctuation: true })).toThrow(message);
  });
});
