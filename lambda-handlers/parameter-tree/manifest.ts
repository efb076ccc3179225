/**
 * Turns the properties the template holds into the ones the rest of the handler reads: when they
 * point at a manifest (the tree's specs, an S3 object written at synthesis), the object is read,
 * its hash checked, and its markers replaced by the deploy-time values the properties carry.
 * Properties with `Parameters` inline (templates of earlier versions) pass through unchanged.
 */
import { createHash } from 'crypto';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { InvalidPropertiesError } from './properties';
import { MANIFEST_MARKER, MANIFEST_VERSION, ManifestPointer } from '../../src/parameter-tree/private/contract';
import { describeError } from '../shared/retry';

/** The bytes of an object, or undefined when it does not exist. */
export type ManifestReader = (bucket: string, key: string) => Promise<Uint8Array | undefined>;

export function s3ManifestReader(s3: S3Client): ManifestReader {
  return async (bucket, key) => {
    try {
      const result = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return await result.Body!.transformToByteArray();
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (name === 'NoSuchKey') return undefined;
      // S3 answers a missing object with 403 to a reader that may not list the bucket, as this one.
      const hint = name === 'AccessDenied' ? ' (S3 says so too when the object does not exist: the reconciler may read that object only, not list the bucket)' : '';
      throw new Error(`could not read the tree's manifest s3://${bucket}/${key}: ${describeError(error)}${hint}`);
    }
  };
}

/**
 * Reads each object once: the failure path of a Create asks for the names again, and must not
 * need S3 (nor its time) to answer.
 */
export function cachingManifestReader(read: ManifestReader): ManifestReader {
  const cache = new Map<string, Promise<Uint8Array | undefined>>();
  return (bucket, key) => {
    const id = `${bucket}/${key}`;
    if (!cache.has(id)) cache.set(id, read(bucket, key));
    return cache.get(id)!;
  };
}

function fail(message: string): never {
  throw new InvalidPropertiesError(message);
}

function requireString(value: unknown, property: string): string {
  if (typeof value !== 'string' || value === '') fail(`\`${property}\` must be a non-empty string, got: ${JSON.stringify(value)}`);
  return value;
}

function parsePointer(raw: unknown): ManifestPointer {
  if (typeof raw !== 'object' || raw === null) fail(`\`Manifest\` must be an object {Bucket, Key, Sha256}, got: ${JSON.stringify(raw)}`);
  const pointer = raw as Record<string, unknown>;
  const sha256 = requireString(pointer.Sha256, 'Manifest.Sha256');
  if (!/^[0-9a-f]{64}$/.test(sha256)) fail(`\`Manifest.Sha256\` must be 64 lower-case hex digits, got: '${sha256}'`);
  return { Bucket: requireString(pointer.Bucket, 'Manifest.Bucket'), Key: requireString(pointer.Key, 'Manifest.Key'), Sha256: sha256 };
}

/**
 * The properties with `Parameters` inline. Refuses, naming the object, a manifest that is missing,
 * differs from the hash the template holds, or is not a manifest; nothing has been written then.
 */
export async function withManifestLoaded(raw: unknown, read: ManifestReader | undefined): Promise<unknown> {
  if (typeof raw !== 'object' || raw === null) return raw;
  const { Manifest: rawPointer, ManifestMarkers: rawMarkers, ...rest } = raw as Record<string, unknown>;
  if (rawPointer === undefined) return raw;
  if (rest.Parameters !== undefined) fail('`Parameters` and `Manifest` must not both be set: the specs are in one place or the other');
  const pointer = parsePointer(rawPointer);
  const where = `s3://${pointer.Bucket}/${pointer.Key}`;
  if (!read) throw new Error(`the tree's specs are in the manifest ${where}, and this handler was given no S3 client to read it`);

  const bytes = await read(pointer.Bucket, pointer.Key);
  if (bytes === undefined) {
    fail(`the tree's manifest ${where} does not exist. It is uploaded as an asset when the app deploys; ` +
      'if the asset bucket was cleaned up since, deploy the app again so that it is uploaded again. Nothing was written');
  }
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== pointer.Sha256) {
    fail(`the tree's manifest ${where} has SHA-256 ${actual}, and the template expects ${pointer.Sha256}: ` +
      'the object is not the one synthesized with this template. Nothing was written');
  }
  const manifest = parseManifest(Buffer.from(bytes).toString('utf8'), where);
  const markers = parseMarkers(rawMarkers);
  return { ...rest, Parameters: substituteMarkers(manifest.Parameters, markers, where) };
}

function parseManifest(text: string, where: string): { Parameters: unknown[] } {
  let manifest: any;
  try {
    manifest = JSON.parse(text);
  } catch (error) {
    fail(`the tree's manifest ${where} is not JSON: ${(error as Error).message}`);
  }
  if (manifest?.Version !== MANIFEST_VERSION) {
    fail(`the tree's manifest ${where} must have Version '${MANIFEST_VERSION}', got: ${JSON.stringify(manifest?.Version)}`);
  }
  if (!Array.isArray(manifest.Parameters)) fail(`the tree's manifest ${where} must hold a list \`Parameters\`, got: ${typeof manifest.Parameters}`);
  return manifest;
}

function parseMarkers(raw: unknown): Record<string, string> {
  if (raw === undefined) return {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('`ManifestMarkers` must be a map of marker id to value');
  for (const [id, value] of Object.entries(raw)) {
    // Never quoted: a deploy-time value may be a secret resolved by CloudFormation.
    if (typeof value !== 'string') fail(`\`ManifestMarkers.${id}\` must be a string, got: ${typeof value}`);
  }
  return raw as Record<string, string>;
}

/** Every marker object replaced by its value; a marker the properties do not carry is refused. */
function substituteMarkers(value: unknown, markers: Record<string, string>, where: string): any {
  if (Array.isArray(value)) return value.map((item) => substituteMarkers(item, markers, where));
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value);
  if (entries.length === 1 && entries[0][0] === MANIFEST_MARKER) {
    const id = String(entries[0][1]);
    if (!Object.prototype.hasOwnProperty.call(markers, id)) {
      fail(`the tree's manifest ${where} uses the marker '${id}', which \`ManifestMarkers\` does not hold`);
    }
    return markers[id];
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, substituteMarkers(v, markers, where)]));
}
