/**
 * Account-scale trees at synthesis: the limits that refuse or warn, naming the numbers, and the
 * template and event sizes that no longer grow with the tree.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { newStack } from './fixtures';
import { OPERATION_LIMIT_MS, OPERATION_MARGIN_MS } from '../../lambda-handlers/shared/continuation';
import { ParameterStoreThroughput, ParameterTier, ParameterValue, SecureParameterTree } from '../../src/parameter-tree';
import {
  CUSTOM_RESOURCE_OPERATION_SECONDS,
  RECONCILER_OPERATION_SECONDS,
  TreeScale,
  accountLimitProblems,
  deploymentTimeWarning,
  firstDeploymentSeconds,
} from '../../src/parameter-tree/private/scale';

const KB = 1024;

interface TreeOptions {
  readonly tier?: ParameterTier;
  readonly parameterStoreThroughput?: ParameterStoreThroughput;
}

function treeOf(stack: Stack, id: string, path: string, count: number, value: (i: number) => ParameterValue, props: TreeOptions = {}) {
  const tree = new SecureParameterTree(stack, id, { path, ...props });
  for (let i = 0; i < count; i++) tree.addParameter(`p/${i}`, value(i));
  return tree;
}

const scale = (overrides: Partial<TreeScale>): TreeScale => ({
  nodePath: 'Stack/Config',
  path: '/app',
  environment: '111122223333/eu-west-1',
  throughput: 'default',
  tiers: { 'Standard': 0, 'Advanced': 0, 'Intelligent-Tiering': 0 },
  labelled: 0,
  ...overrides,
});

describe("Parameter Store's parameters per account and Region", () => {
  test('refuses more Standard-tier parameters across the trees of one account and Region than it holds, naming each tree', () => {
    // GIVEN two stacks of one account and region whose trees hold 10,001 Standard parameters together
    const app = new App();
    treeOf(newStack(app, 'First'), 'Config', '/first', 6_000, () => ParameterValue.string('x'));
    treeOf(newStack(app, 'Second'), 'Config', '/second', 4_001, () => ParameterValue.string('x'));

    // THEN
    expect(() => app.synth()).toThrow(
      'the trees of this app hold 10,001 Standard-tier parameters in account and Region 111122223333/eu-west-1 ' +
      '(First/Config: 6,000, Second/Config: 4,001), and Parameter Store holds at most 10,000 per account and Region.');
  });

  test('counts each account and Region on its own, and Advanced-tier parameters against their own limit', () => {
    const standardFull = scale({ tiers: { 'Standard': 10_000, 'Advanced': 0, 'Intelligent-Tiering': 0 } });
    const elsewhere = scale({ nodePath: 'Other/Config', environment: '444455556666/eu-west-1', tiers: { 'Standard': 10_000, 'Advanced': 0, 'Intelligent-Tiering': 0 } });
    const advanced = scale({ nodePath: 'Zeta/Config', tiers: { 'Standard': 0, 'Advanced': 100_001, 'Intelligent-Tiering': 0 } });

    expect(accountLimitProblems(standardFull, [standardFull, elsewhere])).toEqual([]);
    expect(accountLimitProblems(standardFull, [standardFull, advanced])).toEqual([
      expect.stringContaining('hold 100,001 Advanced-tier parameters in account and Region 111122223333/eu-west-1'),
    ]);
    // Reported once, by the first tree of the environment.
    expect(accountLimitProblems(advanced, [standardFull, advanced])).toEqual([]);
  });
});

describe("a first deployment's duration at the tree's throughput", () => {
  test('estimates each quota on its own: PutParameter for every parameter, LabelParameterVersion for each secret with a spec', () => {
    const strings = scale({ tiers: { 'Standard': 3_000, 'Advanced': 0, 'Intelligent-Tiering': 0 } });
    const secretsHigher = scale({ throughput: 'higher', tiers: { 'Standard': 3_000, 'Advanced': 0, 'Intelligent-Tiering': 0 }, labelled: 3_000 });

    expect(firstDeploymentSeconds(strings)).toBe(1_000);
    // Higher throughput raises PutParameter (10/s), not LabelParameterVersion (3/s).
    expect(firstDeploymentSeconds(secretsHigher)).toBe(1_000);
  });

  test('splits, rather than refuses, a tree whose first deployment outlasts one custom-resource operation, naming the numbers', () => {
    // GIVEN 10,801 generated secrets: 1,081 s of PutParameter at 'higher', 3,601 s of LabelParameterVersion
    const stack = newStack();
    treeOf(stack, 'Config', '/big', 10_801, () => ParameterValue.generatedSecret(),
      { tier: ParameterTier.ADVANCED, parameterStoreThroughput: ParameterStoreThroughput.HIGHER });

    // THEN two segments of about 30 minutes each
    expect(Object.keys(Template.fromStack(stack).findResources('Custom::SecureParameterTree'))).toHaveLength(2);
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('split into'));
    expect(warnings.map((w) => String(w.entry.data))).toEqual([expect.stringMatching(new RegExp(
      "^the tree '/big' \\(ConfigStack/Config\\) makes 10,801 PutParameter calls \\(10 per second at the 'higher' throughput\\) and " +
      '10,801 LabelParameterVersion calls \\(3 per second\\) when it is first deployed: at least 3,601 s \\(60 min\\), ' +
      'beyond the 40 minutes one custom-resource operation of a tree may take \\(CloudFormation waits 60\\)\\. ' +
      'The tree is split into 2 custom resources \\(segments\\) that deploy one after another, the largest at least 1,[89][0-9]{2} s \\(3[01] min\\): ' +
      "the stack's first deployment takes at least 60 min for this tree\\.",
    ))]);
  });

  test("the reconciler's share of the hour is the one its handler stops continuing at", () => {
    expect(RECONCILER_OPERATION_SECONDS * 1000).toBe(OPERATION_LIMIT_MS - OPERATION_MARGIN_MS);
    expect(CUSTOM_RESOURCE_OPERATION_SECONDS * 1000).toBe(OPERATION_LIMIT_MS);
  });

  test('warns, saying that it continues across invocations, when it outlasts one reconciler invocation (15 minutes)', () => {
    // GIVEN 2,701 strings at the default throughput: 900.3 s
    const stack = newStack();
    treeOf(stack, 'Config', '/slow', 2_701, () => ParameterValue.string('x'));

    // THEN
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('beyond one reconciler invocation'));
    expect(warnings.map((w) => String(w.entry.data))).toEqual([expect.stringContaining(
      "the tree '/slow' (ConfigStack/Config) makes 2,701 PutParameter calls (3 per second at the 'default' throughput) and 0 LabelParameterVersion calls " +
      '(3 per second) when it is first deployed: at least 901 s (15 min), beyond one reconciler invocation (15 minutes). ' +
      'The reconciler continues in further invocations of itself (at least 2 in all) and answers CloudFormation once, when done, ' +
      "if that is within 55 minutes of the operation's start (CloudFormation waits 60; the rest is kept for Lambda's queue and the answer).",
    )]);
  });

  test('neither refuses nor warns at exactly 15 minutes, and the message functions agree', () => {
    const stack = newStack();
    treeOf(stack, 'Config', '/fits', 2_700, () => ParameterValue.string('x'));
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('reconciler invocation'));

    const atLimit = scale({ tiers: { 'Standard': 2_700, 'Advanced': 0, 'Intelligent-Tiering': 0 } });
    expect(deploymentTimeWarning(atLimit, { count: 1, largestSeconds: 900, budgetSeconds: 2_400 })).toBeUndefined();
  });
});

describe('template and event sizes stay constant as the tree grows', () => {
  test('a 10,000-parameter tree: template under 100 KB, each segment\'s Update event (old and new properties) under 64 KB', () => {
    // GIVEN the tree deployed, and the same tree with one value changed
    const build = (changed: string) => {
      const stack = newStack(new App());
      treeOf(stack, 'Config', '/account-scale', 10_000, (i) => (i % 2 === 0
        ? ParameterValue.string(i === 0 ? changed : `value-${i}`, { description: `parameter ${i}` })
        : ParameterValue.generatedSecret({ length: 40, tier: ParameterTier.ADVANCED })));
      return stack;
    };
    const before = build('v1');
    const after = build('v2');

    // WHEN
    const templateBytes = Buffer.byteLength(JSON.stringify(Template.fromStack(after).toJSON()));
    const segmentsBefore = Object.values(Template.fromStack(before).findResources('Custom::SecureParameterTree'));
    const segmentsAfter = Object.values(Template.fromStack(after).findResources('Custom::SecureParameterTree'));
    const updateEvent = (oldProperties: Record<string, unknown>, newProperties: Record<string, unknown>) => ({
      RequestType: 'Update',
      ServiceToken: 'arn:aws:lambda:eu-west-1:111122223333:function:reconciler',
      ResponseURL: `https://cloudformation-custom-resource-response-euwest1.s3-eu-west-1.amazonaws.com/${'x'.repeat(1_000)}`,
      StackId: 'arn:aws:cloudformation:eu-west-1:111122223333:stack/ConfigStack/5b6f0c60-0000-4000-8000-000000000001',
      RequestId: '5b6f0c60-0000-4000-8000-000000000002',
      LogicalResourceId: 'Config57D1D894',
      PhysicalResourceId: '/account-scale@0123456789abcdef',
      ResourceType: 'Custom::SecureParameterTree',
      ResourceProperties: newProperties,
      OldResourceProperties: oldProperties,
    });

    // THEN 10,000 writes (3,334 s at the default throughput) make two segments, whose Update events stay small
    expect(segmentsAfter).toHaveLength(2);
    expect(templateBytes).toBeLessThan(100 * KB);
    segmentsAfter.forEach((segment, i) => {
      const { ServiceToken: _old, ...oldProperties } = segmentsBefore[i].Properties;
      const { ServiceToken: _new, ...newProperties } = segment.Properties;
      expect(Buffer.byteLength(JSON.stringify(updateEvent(oldProperties, newProperties)))).toBeLessThan(64 * KB);
    });
    // Only the segment holding the changed value has a new manifest.
    const changed = segmentsAfter.filter((segment, i) => segment.Properties.Manifest.Sha256 !== segmentsBefore[i].Properties.Manifest.Sha256);
    expect(changed).toHaveLength(1);
  });
});
