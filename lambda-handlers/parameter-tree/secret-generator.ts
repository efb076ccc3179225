/**
 * Generates secret values with node's CSPRNG. `crypto.randomInt` draws by rejection sampling,
 * so every allowed character is equally likely (no modulo bias).
 */
import { randomInt } from 'crypto';
import { generatorCharacters, MAX_GENERATED_LENGTH, MIN_GENERATOR_CHARACTERS } from '../../src/parameter-tree/private/contract';

export interface GeneratorOptions {
  readonly length: number;
  readonly excludeCharacters: string;
  readonly excludePunctuation: boolean;
}

/** The characters a generated secret may contain, each once, in a fixed order. */
export function allowedCharacters(options: Pick<GeneratorOptions, 'excludeCharacters' | 'excludePunctuation'>): string {
  return generatorCharacters(options.excludeCharacters, options.excludePunctuation);
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
  if (charset.length < MIN_GENERATOR_CHARACTERS) {
    throw new Error(`Generator \`ExcludeCharacters\` leaves fewer than ${MIN_GENERATOR_CHARACTERS} characters to choose from, got: '${options.excludeCharacters}'`);
  }
  for (;;) {
    let value = '';
    for (let i = 0; i < options.length; i++) value += charset[draw(charset.length)];
    if (!value.includes('{{')) return value;
  }
}
