/**
 * The tree's specs leave the template for a manifest asset: what the template, the marker map
 * and the manifest file each hold.
 */
import { createHash } from 'crypto';
import { App, Aws, CfnParameter, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { newStack } from './fixtures';
import { manifestFile, treeProperties, treeSpecs } from './manifest-support';
import { ParameterValue, SecureParameterTree } from '../../src/parameter-tree';
import { MANIFEST_MARKER, PLACEHOLDER_VALUE } from '../../src/parameter-tree/private/contract';

const LITERAL_CANARY = 'CANARY-unsafe-literal-51c0de';

function treeOfEveryKind(stack: Stack): SecureParameterTree {
  const otherKey = new kms.Key(stack, 'OtherKey');
  const host = new CfnParameter(stack, 'DbHost');
  return new SecureParameterTree(stack, 'Config', {
    path: '/shop',
    parameters: {
      'db/host': ParameterValue.string('db.example.com'),
      'db/host-from-parameter': ParameterValue.string(host.valueAsString),
      'db/region-host': ParameterValue.string(`db.${Aws.REGION}.example.com`),
      'api/secret': ParameterValue.generatedSecret({ length: 40 }),
      'payments/key': ParameterValue.placeholderSecret(),
      'legacy/token': ParameterValue.encryptedSecret('AQICAHhB', { key: otherKey }),
      'legacy/other-token': ParameterValue.encryptedSecret('AQICAHhC', { key: otherKey }),
      'legacy/literal': ParameterValue.unsafePlainTextSecret(LITERAL_CANARY),
    },
  });
}

describe('the manifest asset', () => {
  test('the template holds the pointer, the hash and the deploy-time values, and no spec', () => {
    // GIVEN
    const stack = newStack();
    treeOfEveryKind(stack);

    // WHEN
    const properties = treeProperties(stack);
    const templateText = JSON.stringify(Template.fromStack(stack).toJSON());

    // THEN
    expect(properties.Parameters).toBeUndefined();
    expect(Object.keys(properties.Manifest).sort()).toEqual(['Bucket', 'Key', 'Sha256']);
    for (const specText of ['db.example.com', 'api/secret', 'AQICAHhB', 'payments/key', LITERAL_CANARY]) {
      expect(templateText).not.toContain(specText);
    }
  });

  test('the marker map holds each deploy-time value once, and nothing known at synthesis', () => {
    // GIVEN
    const stack = newStack();
    treeOfEveryKind(stack);

    // WHEN
    const markers = treeProperties(stack).ManifestMarkers;

    // THEN one marker per distinct token or dynamic reference; the key shared by two ciphertexts once
    expect(Object.values(markers)).toEqual(expect.arrayContaining([
      { Ref: 'DbHost' },
      { 'Fn::Join': ['', ['db.', { Ref: 'AWS::Region' }, '.example.com']] },
      { 'Fn::GetAtt': [expect.stringMatching(/^OtherKey/), 'Arn'] },
    ]));
    expect(Object.keys(markers)).toHaveLength(3);
  });

  test('the manifest file holds the specs with markers, no token, no placeholder, and only the unsafe literal as a secret', () => {
    // GIVEN
    const stack = newStack();
    treeOfEveryKind(stack);

    // WHEN
    const { content } = manifestFile(stack);

    // THEN
    expect(content).not.toContain('${Token[');
    expect(content).not.toContain('Fn::');
    expect(content).not.toContain(PLACEHOLDER_VALUE);
    // ParameterValue.unsafePlainTextSecret's literal goes where the template held it before (and is warned about).
    expect(content).toContain(LITERAL_CANARY);
    const manifest = JSON.parse(content);
    expect(manifest.Version).toBe('1');
    expect(manifest.Parameters.find((p: any) => p.Name === 'db/host-from-parameter').Value).toEqual({ [MANIFEST_MARKER]: expect.any(String) });
    expect(manifest.Parameters.find((p: any) => p.Name === 'api/secret')).toEqual({
      Name: 'api/secret',
      Kind: 'Generated',
      Tier: 'Standard',
      Description: '',
      Generator: { Length: '40', ExcludeCharacters: '', ExcludePunctuation: 'false', Generation: '' },
    });
    expect(treeSpecs(stack).find((p) => p.Name === 'db/host-from-parameter').Value).toEqual({ Ref: 'DbHost' });
  });

  test('the hash in the template is the SHA-256 of the file, and equal apps give equal files', () => {
    // GIVEN two apps built alike
    const first = newStack(new App());
    const second = newStack(new App());
    treeOfEveryKind(first);
    treeOfEveryKind(second);

    // WHEN
    const { content } = manifestFile(first);

    // THEN
    expect(treeProperties(first).Manifest.Sha256).toBe(createHash('sha256').update(content).digest('hex'));
    expect(treeProperties(second).Manifest).toEqual(treeProperties(first).Manifest);
  });

  test('a changed spec gives a new object and hash, so CloudFormation sends an Update that points at it', () => {
    const before = newStack(new App());
    new SecureParameterTree(before, 'Config', { path: '/app', parameters: { a: ParameterValue.string('1') } });
    const after = newStack(new App());
    new SecureParameterTree(after, 'Config', { path: '/app', parameters: { a: ParameterValue.string('2') } });

    expect(treeProperties(after).Manifest.Key).not.toBe(treeProperties(before).Manifest.Key);
    expect(treeProperties(after).Manifest.Sha256).not.toBe(treeProperties(before).Manifest.Sha256);
  });

  test('refuses a parameter added once the manifest is written, naming it', () => {
    // GIVEN
    const stack = newStack();
    const tree = new SecureParameterTree(stack, 'Config', { path: '/app', parameters: { a: ParameterValue.string('1') } });
    Template.fromStack(stack);

    // THEN
    expect(() => tree.addParameter('late', ParameterValue.string('2'))).toThrow(
      "parameters must be added before the app synthesizes, got: 'late' added to '/app' after its manifest was written");
  });
});
