/**
 * Generates secret values with node's CSPRNG. `crypto.randomInt` draws by rejection sampling,
 * so every allowed character is equally likely (no modulo bias).
 */
import { randomInt } from 'crypto';
import { MAX_GENERATED_LENGTH } from '../../src/parameter-tree/private/contract';

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';
/** The printable ASCII punctuation, the same set Secrets Manager's password generator uses. */
const PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

export interface GeneratorOptions {
  readonly length: number;
  readonly excludeCharacters: string;
  readonly excludePunctuation: boolean;
}

/** The characters a generated secret may contain, each once, in a fixed order. */
export function allowedCharacters(options: Pick<GeneratorOptions, 'excludeCharacters' | 'excludePunctuation'>): string {
  const base = LETTERS + DIGITS + (options.excludePunctuation ? '' : PUNCTUATION);
  const excluded = new Set(options.excludeCharacters);
  return [...base].filter((c) => !excluded.has(c)).join('');
}

/**
 * A new random secret. Values containing `{{` are drawn again: Parameter Store and
 * CloudFormation read `{{` as the start of a dynamic reference. Redrawing whole values keeps
 * the result uniform over every value that is allowed.
 */
export function generateSecret(options: GeneratorOptions, draw: (max: number) => number = randomInt): string {
  if (!Number.isInteger(options.length) || options.length < 1 || options.length > MAX_GENERATED_LENGTH) {
    throw new Error(`Generator \`Length\` must be an integer from 1 to ${MAX_GENERATED_LENGTH}, got: '${options.length}'`);
  }
  const charset = allowedCharacters(options);
  if (charset.length < 2) {
    throw new Error(`Generator \`ExcludeCharacters\` leaves fewer than 2 characters to choose from, got: '${options.excludeCharacters}'`);
  }
  for (;;) {
    let value = '';
    for (let i = 0; i < options.length; i++) value += charset[draw(charset.length)];
    if (!value.includes('{{')) return value;
  }
}
