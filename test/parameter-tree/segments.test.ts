/**
 * Trees too large for one custom-resource operation, split into segments: how many, which
 * parameter goes where, the chain of resources and what consumers wait for, and what a tree small
 * enough for one keeps (its template unchanged).
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, CfnParameter, CfnResource, Stack, Stage } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { newStack } from './fixtures';
import { ParameterStoreThroughput, ParameterTier, ParameterValue, SecureParameterTree } from '../../src/parameter-tree';
import { segmentOf, TREE_RESOURCE_TYPE } from '../../src/parameter-tree/private/contract';
import { SEGMENT_BUDGET_SECONDS, SegmentedName, segmentationOf } from '../../src/parameter-tree/private/segments';

const names = (count: number, labelled = false, prefix = 'p'): SegmentedName[] =>
  Array.from({ length: count }, (_, i) => ({ name: `${prefix}/${i}`, labelled }));

/** A tree of `count` Advanced-tier strings (beyond the 10,000 Standard ones an account holds). */
function largeTree(stack: Stack, count: number, id = 'Config'): SecureParameterTree {
  const tree = new SecureParameterTree(stack, id, { path: '/large', tier: ParameterTier.ADVANCED });
  for (let i = 0; i < count; i++) tree.addParameter(`p/${i}`, ParameterValue.string(`value-${i}`));
  return tree;
}

/** The tree resources of a template, by logical id. */
function treeResources(stack: Stack): Record<string, any> {
  return Template.fromStack(stack).findResources(TREE_RESOURCE_TYPE);
}

/** The names a segment's manifest holds, read from the cloud assembly. */
function manifestNames(stack: Stack, properties: any): string[] {
  const file = path.join(Stage.of(stack)!.synth().directory, `asset.${properties.Manifest.Key}`);
  return JSON.parse(fs.readFileSync(file, 'utf8')).Parameters.map((p: { Name: string }) => p.Name);
}

describe('how many segments', () => {
  test(`one while the first deployment fits in ${SEGMENT_BUDGET_SECONDS / 60} minutes, then as many as the budget needs`, () => {
    // 7,200 PutParameter calls at 3 per second: exactly 2,400 s
    expect(segmentationOf(names(7_200), 'default').segments).toHaveLength(1);
    expect(segmentationOf(names(7_201), 'default').segments).toHaveLength(2);
    // 10,000: 3,334 s, two segments of about 28 minutes
    const tenThousand = segmentationOf(names(10_000), 'default');
    expect(tenThousand.segments).toHaveLength(2);
    expect(tenThousand.largestSeconds).toBeLessThanOrEqual(SEGMENT_BUDGET_SECONDS);
    expect(Math.round(tenThousand.totalSeconds)).toBe(3_333);
    // 25,000: 8,334 s, four segments
    expect(segmentationOf(names(25_000), 'default').segments).toHaveLength(4);
  });

  test('counts the throughput setting and the labelled secrets', () => {
    // 'higher': PutParameter 10 per second, LabelParameterVersion still 3
    expect(segmentationOf(names(20_000), 'higher').segments).toHaveLength(1);
    expect(segmentationOf(names(8_000, true), 'higher').segments).toHaveLength(2);
  });

  test('adds a segment when the hash leaves one over the budget', () => {
    // 14,400 calls fill two segments exactly: an uneven split cannot fit in two
    const split = segmentationOf(names(14_400), 'default');
    expect(split.segments.length).toBeGreaterThan(2);
    expect(split.largestSeconds).toBeLessThanOrEqual(SEGMENT_BUDGET_SECONDS);
  });

  test('puts each name in the segment its hash names, and no name in two', () => {
    const { segments } = segmentationOf(names(10_000), 'default');
    const misplaced = segments.flatMap((segment, index) => segment.filter((name) => segmentOf(name, segments.length) !== index));
    expect(misplaced).toEqual([]);
    expect(segments.flat().sort()).toEqual(names(10_000).map((n) => n.name).sort());
  });

  test('adding names moves no other name while the count stays', () => {
    const before = segmentationOf(names(9_000), 'default').segments;
    const after = segmentationOf([...names(9_000), ...names(500, false, 'added')], 'default').segments;

    expect(after).toHaveLength(before.length);
    const afterSets = after.map((segment) => new Set(segment));
    const movedNames = before.flatMap((segment, index) => segment.filter((name) => !afterSets[index].has(name)));
    expect(movedNames).toEqual([]);
  });
});

describe('a tree split into segments', () => {
  // 15,000 writes at the default throughput: 5,000 s, three segments
  const stack = newStack();
  const tree = largeTree(stack, 15_000);
  const consumer = new CfnResource(stack, 'Consumer', {
    type: 'AWS::SSM::Parameter',
    properties: { Type: 'String', Value: tree.stringParameter('p/1').parameterName },
  });
  const resources = treeResources(stack);
  const first = Stack.of(stack).resolve((tree.node.defaultChild as CfnResource).logicalId) as string;
  const segmentIds = Object.keys(resources).filter((id) => id !== first).sort();

  test('one custom resource per segment, the first with the id of the unsplit tree\'s', () => {
    const unsplit = newStack(new App());
    largeTree(unsplit, 10);
    expect(Object.keys(treeResources(unsplit))).toEqual([first]);
    expect(Object.keys(resources)).toHaveLength(3);
    expect(segmentIds).toEqual([expect.stringMatching(/^ConfigSegment1/), expect.stringMatching(/^ConfigSegment2/)]);
  });

  test('each segment names itself and the count; everything else is the tree\'s', () => {
    const { Manifest: _manifest, ManifestMarkers: _markers, Segment: firstSegment, ...shared } = resources[first].Properties;
    expect(firstSegment).toEqual({ Index: '0', Count: '3' });
    segmentIds.forEach((id, i) => {
      const { Manifest, ManifestMarkers: _m, Segment, ...rest } = resources[id].Properties;
      expect(Segment).toEqual({ Index: String(i + 1), Count: '3' });
      expect(rest).toEqual(shared);
      expect(Manifest.Key).not.toBe(resources[first].Properties.Manifest.Key);
    });
  });

  test('each manifest holds exactly the names of its segment', () => {
    const byIndex = [first, ...segmentIds].map((id) => manifestNames(stack, resources[id].Properties));
    const misplaced = byIndex.flatMap((segment, index) => segment.filter((name) => segmentOf(name, 3) !== index));
    expect(misplaced).toEqual([]);
    expect(byIndex.flat()).toHaveLength(15_000);
  });

  test('the segments deploy one after another, the first last, and consumers wait for it', () => {
    const dependsOn = (id: string): string[] => Template.fromStack(stack).toJSON().Resources[id].DependsOn ?? [];
    expect(dependsOn(segmentIds[0])).not.toEqual(expect.arrayContaining([first, segmentIds[1]]));
    expect(dependsOn(segmentIds[1])).toContain(segmentIds[0]);
    expect(dependsOn(first)).toContain(segmentIds[1]);
    expect(JSON.stringify(Template.fromStack(stack).toJSON().Resources[stack.resolve(consumer.logicalId)])).toContain(`"${first}","Path"`);
  });

  test('a construct depending on the tree depends on every segment', () => {
    const other = newStack(new App());
    const split = largeTree(other, 15_000);
    const dependent = new CfnResource(other, 'Dependent', { type: 'AWS::SNS::Topic' });
    dependent.node.addDependency(split);
    const ids = Object.keys(treeResources(other));
    expect(Template.fromStack(other).toJSON().Resources.Dependent.DependsOn).toEqual(expect.arrayContaining(ids));
  });

  test('every segment runs only once the reconciler holds its permissions', () => {
    const template = Template.fromStack(stack).toJSON().Resources;
    const policies = Object.keys(template).filter((id) => template[id].Type === 'AWS::IAM::ManagedPolicy' && id.startsWith('ConfigReconciler'));
    for (const id of [first, ...segmentIds]) expect(template[id].DependsOn).toEqual(expect.arrayContaining(policies));
  });
});

describe('a tree that fits in one segment', () => {
  test('has one custom resource and no Segment property, as before segments existed', () => {
    const stack = newStack();
    largeTree(stack, 7_000);
    const resources = Object.values(treeResources(stack));
    expect(resources).toHaveLength(1);
    expect(resources[0].Properties.Segment).toBeUndefined();
  });

  test('the higher throughput keeps a tree whole that the default one splits', () => {
    const stack = newStack();
    const tree = new SecureParameterTree(stack, 'Config', { path: '/large', tier: ParameterTier.ADVANCED, parameterStoreThroughput: ParameterStoreThroughput.HIGHER });
    for (let i = 0; i < 15_000; i++) tree.addParameter(`p/${i}`, ParameterValue.string('v'));
    expect(Object.keys(treeResources(stack))).toHaveLength(1);
  });
});

describe('names of a split tree', () => {
  test('must be known at synthesis: the reconciler finds a segment from the name', () => {
    // GIVEN a tree split into segments, one of whose names is a stack parameter
    const stack = newStack();
    const tree = largeTree(stack, 15_000);
    const name = new CfnParameter(stack, 'Name', { default: 'late/name' }).valueAsString;
    tree.addParameter(name, ParameterValue.string('v'));

    // THEN
    expect(() => Template.fromStack(stack)).toThrow(
      "the tree '/large' is split into segments (its first deployment needs more than 40 minutes), " +
      "and a split tree's parameter names must be known at synthesis; got names resolved at deploy time: ${Token[");
  });

  test('may be resolved at deploy time in a tree of one segment', () => {
    const stack = newStack();
    const tree = largeTree(stack, 10);
    tree.addParameter(new CfnParameter(stack, 'Name', { default: 'late/name' }).valueAsString, ParameterValue.string('v'));
    expect(Object.keys(treeResources(stack))).toHaveLength(1);
  });
});
