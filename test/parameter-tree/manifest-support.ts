/**
 * Reads a tree's manifest back from the cloud assembly, for construct tests: the specs as the
 * template held them before the manifest, deploy-time values in their resolved template form.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Stack, Stage } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { MANIFEST_MARKER, TREE_RESOURCE_TYPE } from '../../src/parameter-tree/private/contract';

/** The properties of the stack's only tree, as synthesized. */
export function treeProperties(stack: Stack): Record<string, any> {
  const resources = Template.fromStack(stack).findResources(TREE_RESOURCE_TYPE);
  expect(Object.keys(resources)).toHaveLength(1);
  return Object.values(resources)[0].Properties;
}

/** The manifest file of the stack's only tree, as written to the cloud assembly. */
export function manifestFile(stack: Stack): { file: string; content: string } {
  // The default synthesizer stages a file asset as `asset.<object key>`.
  const key = treeProperties(stack).Manifest.Key;
  const directory = Stage.of(stack)!.synth().directory;
  const file = path.join(directory, `asset.${key}`);
  return { file, content: fs.readFileSync(file, 'utf8') };
}

/** The manifest's specs with each marker replaced by the template value it stands for. */
export function treeSpecs(stack: Stack): any[] {
  const markers: Record<string, unknown> = treeProperties(stack).ManifestMarkers ?? {};
  const substitute = (value: any): any => {
    if (Array.isArray(value)) return value.map(substitute);
    if (typeof value !== 'object' || value === null) return value;
    if (MANIFEST_MARKER in value) return markers[value[MANIFEST_MARKER]];
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v)]));
  };
  return substitute(JSON.parse(manifestFile(stack).content).Parameters);
}
