/**
 * Which names an Update reads (pure, no moto): the changed, added and removed ones, and none
 * when the old properties are not the deployed ones, the tree's identity changed or its segment did.
 */
import { treeGenerationOf } from '../../../lambda-handlers/parameter-tree/segment';
import { updateScopeOf } from '../../../lambda-handlers/parameter-tree/update-scope';
import { ParameterKind, ParameterSpec, TreeResourceProperties } from '../../../src/parameter-tree/private/contract';

const KEY = 'arn:aws:kms:us-east-1:123456789012:key/11111111-1111-1111-1111-111111111111';
const string = (name: string, value = 'v'): ParameterSpec => ({ Name: name, Kind: ParameterKind.STRING, Tier: 'Standard', Description: '', Value: value });
const secret = (name: string): ParameterSpec => ({ Name: name, Kind: ParameterKind.PLACEHOLDER, Tier: 'Standard', Description: '' });

function tree(parameters: ParameterSpec[], overrides: Partial<TreeResourceProperties> = {}): TreeResourceProperties {
  return { Path: '/app', KeyArn: KEY, RemovalPolicy: 'retain', AdoptExisting: 'false', Owner: 'T@/app', Tags: [], Parameters: parameters, ...overrides };
}

const deployedFor = (props: TreeResourceProperties) => ({ path: props.Path, generation: treeGenerationOf(props) });
const sorted = (names: ReadonlySet<string> | undefined) => [...(names ?? [])].sort();

describe('updateScopeOf', () => {
  const old = tree([string('a'), string('b'), secret('s'), string('gone')]);

  test('changed, added and removed names are read; the rest are not', () => {
    const scope = updateScopeOf({ props: tree([string('a', 'new'), string('b'), secret('s'), string('added')]), oldProps: old, deployed: deployedFor(old) });
    expect(sorted(scope?.changed)).toEqual(['/app/a', '/app/added', '/app/gone']);
    expect(sorted(scope?.unchanged)).toEqual(['/app/b', '/app/s']);
  });

  test('a new tree key changes every SecureString, a new tree tag every parameter', () => {
    const rekeyed = updateScopeOf({ props: { ...old, KeyArn: `${KEY}2` }, oldProps: old, deployed: deployedFor(old) });
    expect(sorted(rekeyed?.changed)).toEqual(['/app/s']);
    const tagged = updateScopeOf({ props: { ...old, Tags: [{ Key: 'team', Value: 'x' }] }, oldProps: old, deployed: deployedFor(old) });
    expect(sorted(tagged?.unchanged)).toEqual([]);
  });

  test.each([
    ['no old properties', { oldProps: undefined }],
    ['old properties that are not the deployed generation', { deployed: { path: '/app', generation: '0123456789abcdef' } }],
    ['another path', { props: { ...old, Path: '/other' } }],
    ['another owner', { props: { ...old, Owner: 'U@/app' } }],
  ])('the whole tree is read with %s', (_case, overrides) => {
    expect(updateScopeOf({ props: old, oldProps: old, deployed: deployedFor(old), ...overrides })).toBeUndefined();
  });

  describe('a segment of a split tree', () => {
    const segmentOld = tree([string('a'), string('b')], { Segment: { Index: '1', Count: '2' } });

    test('keeps its scope while its index and count stay', () => {
      const scope = updateScopeOf({ props: { ...segmentOld, Parameters: [string('a', 'new'), string('b')] }, oldProps: segmentOld, deployed: deployedFor(segmentOld) });
      expect(sorted(scope?.changed)).toEqual(['/app/a']);
    });

    // Another count moves parameters into the segment's bucket: its leftovers step must see them.
    test.each([
      ['another count', { Index: '1', Count: '3' }],
      ['another index', { Index: '0', Count: '2' }],
      ['no segment any more', undefined],
    ])('reads the whole path with %s', (_case, segment) => {
      const props = { ...segmentOld, Segment: segment };
      expect(updateScopeOf({ props, oldProps: segmentOld, deployed: deployedFor(segmentOld) })).toBeUndefined();
    });

    test('reads the whole path when the tree is split', () => {
      const props = { ...old, Segment: { Index: '0', Count: '2' } };
      expect(updateScopeOf({ props, oldProps: old, deployed: deployedFor(old) })).toBeUndefined();
    });
  });
});
