/**
 * Synthesizes a tree of the mix in a fresh process and prints one JSON line: synth time, template,
 * manifest and Update-event bytes, the segments the tree is split into and the first-deployment
 * estimate of the largest, and what the template would hold with the specs inline (as before the
 * manifest, one resource), computed from the same synthesis.
 * Usage: scale-worker <parameterCount>
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { mixedTree } from './parameter-mix';
import { MANIFEST_MARKER, ParameterKind, TREE_RESOURCE_TYPE } from '../src/parameter-tree/private/contract';
import { writeSeconds } from '../src/parameter-tree/private/scale';

interface Synthesized {
  readonly template: any;
  /** The manifest of each segment's resource, by logical id. */
  readonly manifests: Record<string, string>;
  readonly elapsedMs: number;
}

function synthesize(count: number, revision: number): Synthesized {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-scale-'));
  try {
    const started = process.hrtime.bigint();
    const app = new App({ outdir });
    mixedTree(new Stack(app, 'Bench', { env: { account: '123456789012', region: 'us-east-1' } }), count, revision);
    const assembly = app.synth();
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    const template = JSON.parse(fs.readFileSync(path.join(assembly.directory, assembly.getStackByName('Bench').templateFile), 'utf8'));
    const manifests = Object.fromEntries(treesOf(template).map(([id, properties]) =>
      [id, fs.readFileSync(path.join(assembly.directory, `asset.${properties.Manifest.Key}`), 'utf8')]));
    return { template, manifests, elapsedMs };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/** The tree's resources (one per segment), by logical id, with their properties. */
function treesOf(template: any): [string, any][] {
  return Object.entries<any>(template.Resources).filter(([, resource]) => resource.Type === TREE_RESOURCE_TYPE)
    .map(([id, resource]) => [id, resource.Properties]);
}

/** The specs of a manifest with its markers replaced by the values the properties carry. */
function specsOf(properties: any, manifest: string): any[] {
  const markers = properties.ManifestMarkers ?? {};
  const substitute = (value: any): any => {
    if (Array.isArray(value)) return value.map(substitute);
    if (typeof value !== 'object' || value === null) return value;
    if (MANIFEST_MARKER in value) return markers[value[MANIFEST_MARKER]];
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v)]));
  };
  return substitute(JSON.parse(manifest).Parameters);
}

const LABELLED_KINDS = new Set<string>([ParameterKind.GENERATED, ParameterKind.ENCRYPTED, ParameterKind.UNSAFE_LITERAL]);

/** The first-deployment estimate of one segment, at the default throughput (the mix's). */
function segmentSeconds(manifest: string): number {
  const specs: { Kind: string }[] = JSON.parse(manifest).Parameters;
  return writeSeconds(specs.length, specs.filter((spec) => LABELLED_KINDS.has(spec.Kind)).length, 'default');
}

/** One resource with every segment's specs inline and no Segment, as the template held it before. */
function inlined(synthesized: Synthesized): any {
  const trees = treesOf(synthesized.template);
  const { Manifest: _pointer, ManifestMarkers: _markers, Segment: _segment, ...rest } = trees[0][1];
  return { ...rest, Parameters: trees.flatMap(([id, properties]) => specsOf(properties, synthesized.manifests[id])) };
}

/** The Update CloudFormation sends for a change of one value: both property sets, compact JSON. */
function updateEventBytes(oldProperties: any, newProperties: any): number {
  const { ServiceToken, ...resourceProperties } = newProperties;
  const { ServiceToken: _old, ...oldResourceProperties } = oldProperties;
  return Buffer.byteLength(JSON.stringify({
    RequestType: 'Update',
    ServiceToken,
    // A pre-signed S3 URL: about 1.5 KB in practice.
    ResponseURL: `https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/${'x'.repeat(1_500)}`,
    StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/Bench/5b6f0c60-0000-4000-8000-000000000001',
    RequestId: '5b6f0c60-0000-4000-8000-000000000002',
    LogicalResourceId: 'Config57D1D894',
    PhysicalResourceId: '/bench/prod@0123456789abcdef',
    ResourceType: TREE_RESOURCE_TYPE,
    ResourceProperties: resourceProperties,
    OldResourceProperties: oldResourceProperties,
  }));
}

function main(): void {
  const count = Number(process.argv[2]);
  const deployed = synthesize(count, 0);
  const changed = synthesize(count, 1);
  const inlineTemplate = (synthesized: Synthesized) => {
    const copy = JSON.parse(JSON.stringify(synthesized.template));
    const [[first], ...others] = treesOf(copy);
    copy.Resources[first].Properties = inlined(synthesized);
    for (const [id] of others) delete copy.Resources[id];
    return copy;
  };
  const deployedTrees = new Map(treesOf(deployed.template));
  const changedTrees = treesOf(changed.template);
  // CDK writes templates indented by one space.
  const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value, undefined, 1));
  process.stdout.write(`${JSON.stringify({
    count,
    // The first synthesis of the process, as section 1 measures it.
    elapsedMs: deployed.elapsedMs,
    templateBytes: bytes(changed.template),
    manifestBytes: Object.values(changed.manifests).reduce((sum, manifest) => sum + Buffer.byteLength(manifest), 0),
    // The largest of the segments' Updates.
    updateEventBytes: Math.max(...changedTrees.map(([id, properties]) => updateEventBytes(deployedTrees.get(id), properties))),
    segments: changedTrees.length,
    largestSegmentSeconds: Math.max(...Object.values(changed.manifests).map(segmentSeconds)),
    totalSeconds: Object.values(changed.manifests).reduce((sum, manifest) => sum + segmentSeconds(manifest), 0),
    inlineTemplateBytes: bytes(inlineTemplate(changed)),
    inlineUpdateEventBytes: updateEventBytes(inlined(deployed), inlined(changed)),
  })}\n`);
}

main();
