/**
 * The tree's parameter specs as a file asset rather than template properties, so that the
 * template and CloudFormation's events keep the same size however many parameters the tree
 * holds. A file written at synthesis cannot hold a value known only at deploy time (a token, a
 * dynamic reference): each such value becomes a marker in the file and travels in the custom
 * resource's properties instead, where CloudFormation resolves it.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { AssetHashType, FileSystem, Stack, Token } from 'aws-cdk-lib';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct, IConstruct } from 'constructs';
import { MANIFEST_MARKER, MANIFEST_VERSION, ParameterSpec, TreeManifest } from './contract';

export interface RenderedManifest {
  /** The file's bytes, as text. */
  readonly content: string;
  /** Lower-case hex SHA-256 of `content`. */
  readonly sha256: string;
  /** Marker id -> the deploy-time value it stands for (a token or a dynamic reference). */
  readonly markers: Record<string, string>;
}

/** CloudFormation resolves dynamic references in properties, never in a file. */
const DYNAMIC_REFERENCE = '{{resolve:';

function isDeployTimeValue(value: string): boolean {
  return Token.isUnresolved(value) || value.includes(DYNAMIC_REFERENCE);
}

/**
 * The manifest of `specs`. Every string that is only known at deploy time is replaced by a marker
 * object; the same value gets the same marker. Identical specs give identical bytes, so an
 * unchanged tree keeps its asset and sends CloudFormation no Update.
 */
export function renderManifest(specs: readonly ParameterSpec[]): RenderedManifest {
  const idOfValue = new Map<string, string>();
  const replace = (value: unknown): unknown => {
    if (typeof value === 'string') {
      if (!isDeployTimeValue(value)) return value;
      let id = idOfValue.get(value);
      if (id === undefined) {
        id = `m${idOfValue.size}`;
        idOfValue.set(value, id);
      }
      return { [MANIFEST_MARKER]: id };
    }
    if (Array.isArray(value)) return value.map(replace);
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, replace(v)]));
    }
    return value;
  };
  const manifest: TreeManifest = { Version: MANIFEST_VERSION, Parameters: specs.map(replace) };
  const content = JSON.stringify(manifest);
  return {
    content,
    sha256: createHash('sha256').update(content).digest('hex'),
    markers: Object.fromEntries([...idOfValue].map(([value, id]) => [id, value])),
  };
}

/**
 * The file extension of the manifests of the trees of `scope`'s stack. The asset's object key is
 * `<hash><extension>`, so the reconciler can be granted every manifest of its stack (`*<extension>`:
 * the previous one an Update compares with, the one a rollback deploys again) and nothing else of
 * the asset bucket (templates, code). A stack's name never changes while it exists, so the
 * manifests of every deployment of a stack share it.
 */
export function manifestExtensionOf(scope: IConstruct): string {
  const stack = Stack.of(scope);
  const identity = Token.isUnresolved(stack.stackName) ? stack.artifactId : stack.stackName;
  return `.cdk-secure-config-${createHash('sha256').update(identity).digest('hex').slice(0, 16)}`;
}

/**
 * Writes the manifest to a file and makes it an asset named by its own hash. Not a deploy-time
 * asset: the next Update reads it as the old manifest, and a rollback deploys it again.
 */
export function manifestAsset(scope: Construct, id: string, manifest: RenderedManifest): s3assets.Asset {
  const file = path.join(FileSystem.mkdtemp('cdk-secure-config-manifest'), `manifest${manifestExtensionOf(scope)}`);
  fs.writeFileSync(file, manifest.content);
  return new s3assets.Asset(scope, id, {
    path: file,
    assetHashType: AssetHashType.CUSTOM,
    assetHash: manifest.sha256,
    deployTime: false,
  });
}
