/**
 * Synthesizes a tree of the mix in a fresh process and prints one JSON line: synth time, template,
 * manifest and Update-event bytes, and what the template would hold with the specs inline (as
 * before the manifest), computed from the same synthesis.
 * Usage: scale-worker <parameterCount>
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { mixedTree } from './parameter-mix';
import { MANIFEST_MARKER, TREE_RESOURCE_TYPE } from '../src/parameter-tree/private/contract';

interface Synthesized {
  readonly template: any;
  readonly manifest: string;
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
    const manifest = fs.readFileSync(path.join(assembly.directory, `asset.${treeOf(template).Manifest.Key}`), 'utf8');
    return { template, manifest, elapsedMs };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

function treeOf(template: any): any {
  return (Object.values(template.Resources) as any[]).find((resource) => resource.Type === TREE_RESOURCE_TYPE).Properties;
}

/** The properties with the manifest's specs inline, as the template held them before. */
function inlined(properties: any, manifest: string): any {
  const { Manifest: _pointer, ManifestMarkers: markers = {}, ...rest } = properties;
  const substitute = (value: any): any => {
    if (Array.isArray(value)) return value.map(substitute);
    if (typeof value !== 'object' || value === null) return value;
    if (MANIFEST_MARKER in value) return markers[value[MANIFEST_MARKER]];
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v)]));
  };
  return { ...rest, Parameters: substitute(JSON.parse(manifest).Parameters) };
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
  const inlineTemplate = (template: any, manifest: string) => {
    const copy = JSON.parse(JSON.stringify(template));
    const resource = (Object.values(copy.Resources) as any[]).find((r) => r.Type === TREE_RESOURCE_TYPE);
    resource.Properties = inlined(resource.Properties, manifest);
    return copy;
  };
  // CDK writes templates indented by one space.
  const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value, undefined, 1));
  process.stdout.write(`${JSON.stringify({
    count,
    // The first synthesis of the process, as section 1 measures it.
    elapsedMs: deployed.elapsedMs,
    templateBytes: bytes(changed.template),
    manifestBytes: Buffer.byteLength(changed.manifest),
    updateEventBytes: updateEventBytes(treeOf(deployed.template), treeOf(changed.template)),
    inlineTemplateBytes: bytes(inlineTemplate(changed.template, changed.manifest)),
    inlineUpdateEventBytes: updateEventBytes(
      inlined(treeOf(deployed.template), deployed.manifest),
      inlined(treeOf(changed.template), changed.manifest),
    ),
  })}\n`);
}

main();
