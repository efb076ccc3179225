import { generationOf, parsePhysicalId, physicalIdOf, specLabelOf } from '../../../lambda-handlers/parameter-tree/hashing';
import { ParameterKind, ParameterSpec } from '../../../src/parameter-tree/private/contract';

const KEY = 'arn:aws:kms:us-east-1:123456789012:key/1111';
const OTHER_KEY = 'arn:aws:kms:us-east-1:123456789012:key/2222';

const generated = (generator: Partial<NonNullable<ParameterSpec['Generator']>> = {}): ParameterSpec => ({
  Name: 'api/jwt',
  Kind: ParameterKind.GENERATED,
  Tier: 'Standard',
  Description: '',
  Generator: { Length: '32', ExcludeCharacters: '', ExcludePunctuation: 'false', Generation: '1', ...generator },
});

describe('generation', () => {
  test('is 16 hex characters and ignores the order of names', () => {
    expect(generationOf(['b', 'a'])).toMatch(/^[0-9a-f]{16}$/);
    expect(generationOf(['b', 'a'])).toBe(generationOf(['a', 'b']));
  });

  test('changes when the set of names changes', () => {
    expect(generationOf(['a', 'b'])).not.toBe(generationOf(['a', 'b', 'c']));
    expect(generationOf(['ab', 'c'])).not.toBe(generationOf(['a', 'bc']));
  });

  test('physical id round-trips through parsePhysicalId', () => {
    const generation = generationOf(['x']);
    expect(parsePhysicalId(physicalIdOf('/shop/prod', generation))).toEqual({ path: '/shop/prod', generation, retainRemoved: false });
  });

  test('a tree that retains removed parameters says so in its physical id, and it round-trips', () => {
    const generation = generationOf(['x']);
    const id = physicalIdOf('/shop/prod', generation, true);
    expect(id).toBe(`/shop/prod@${generation}+retain-removed`);
    expect(parsePhysicalId(id)).toEqual({ path: '/shop/prod', generation, retainRemoved: true });
  });

  test('an id of an earlier version (no suffix) still parses, as not retaining removed parameters', () => {
    expect(parsePhysicalId('/shop/prod@0123456789abcdef')).toEqual({ path: '/shop/prod', generation: '0123456789abcdef', retainRemoved: false });
  });

  test.each([
    'ConfigTree:invalid-properties', '/shop/prod', '/shop/prod@nothex', '', '/shop/prod@0123456789abcdef+retain', '/shop/prod@0123456789abcdef+retain-removed+retain-removed',
  ])('parsePhysicalId refuses %p', (id) => {
    expect(parsePhysicalId(id)).toBeUndefined();
  });
});

describe('spec labels', () => {
  test('are a valid Parameter Store label: prefix plus 40 hex characters', () => {
    const label = specLabelOf(generated(), KEY)!;
    expect(label).toMatch(/^cscfg-[0-9a-f]{40}$/);
    expect(label.length).toBeLessThanOrEqual(100);
  });

  test('are stable for the same spec', () => {
    expect(specLabelOf(generated(), KEY)).toBe(specLabelOf(generated(), KEY));
  });

  test.each([
    ['Length', generated({ Length: '33' }), KEY],
    ['ExcludeCharacters', generated({ ExcludeCharacters: '"' }), KEY],
    ['ExcludePunctuation', generated({ ExcludePunctuation: 'true' }), KEY],
    ['Generation', generated({ Generation: '2' }), KEY],
  ])('of a generated secret change with %s', (_field, spec, key) => {
    expect(specLabelOf(spec, key)).not.toBe(specLabelOf(generated(), KEY));
  });

  test('of a generated secret do not change with the tree key: a new key re-encrypts the same value', () => {
    expect(specLabelOf(generated(), OTHER_KEY)).toBe(specLabelOf(generated(), KEY));
  });

  test('of an encrypted value change with the ciphertext and the key that decrypts it', () => {
    const encrypted = (Ciphertext: string, CiphertextKeyArn: string): ParameterSpec =>
      ({ Name: 't', Kind: ParameterKind.ENCRYPTED, Tier: 'Standard', Description: '', Ciphertext, CiphertextKeyArn });
    const labels = new Set([
      specLabelOf(encrypted('AQID', ''), KEY),
      specLabelOf(encrypted('AQIE', ''), KEY),
      specLabelOf(encrypted('AQID', OTHER_KEY), KEY),
    ]);
    expect(labels.size).toBe(3);
    // an explicit key is the same spec whatever the tree's key
    expect(specLabelOf(encrypted('AQID', OTHER_KEY), KEY)).toBe(specLabelOf(encrypted('AQID', OTHER_KEY), OTHER_KEY));
    // an empty key means the tree's key, so it is that key
    expect(specLabelOf(encrypted('AQID', ''), OTHER_KEY)).toBe(specLabelOf(encrypted('AQID', OTHER_KEY), KEY));
  });

  test('of an unsafe literal change with the value, without containing it', () => {
    const literal = (Value: string): ParameterSpec => ({ Name: 'l', Kind: ParameterKind.UNSAFE_LITERAL, Tier: 'Standard', Description: '', Value });
    expect(specLabelOf(literal('hunter2'), KEY)).not.toBe(specLabelOf(literal('hunter3'), KEY));
    expect(specLabelOf(literal('hunter2'), KEY)).not.toContain('hunter2');
  });

  test.each([ParameterKind.STRING, ParameterKind.STRING_LIST, ParameterKind.PLACEHOLDER])('do not exist for %s', (Kind) => {
    expect(specLabelOf({ Name: 'n', Kind, Tier: 'Standard', Description: '', Value: 'v' }, KEY)).toBeUndefined();
  });
});
