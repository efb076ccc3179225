/**
 * The Parameter Store calls the reconciler makes, each paced by its action's rate limiter and
 * cancelled by the invocation's deadline, paged within the API's MaxResults limits, and shaped
 * into what the reconciler compares.
 */
import {
  AddTagsToResourceCommand,
  DeleteParametersCommand,
  DescribeParametersCommand,
  GetParameterCommand,
  GetParametersByPathCommand,
  LabelParameterVersionCommand,
  ListTagsForResourceCommand,
  ParameterStringFilter,
  PutParameterCommand,
  RemoveTagsFromResourceCommand,
  SSMClient,
  Tag,
} from '@aws-sdk/client-ssm';
import { ParameterType, StoredMetadata, StoredValue } from './plan';
import { ADOPTED_TAG, GENERATION_TAG, OWNER_TAG, PacedSsmAction } from '../../src/parameter-tree/private/contract';
import { PacedCalls } from '../shared/paced-calls';
import { Redactor } from '../shared/redaction';

export interface PutRequest {
  readonly name: string;
  readonly type: ParameterType;
  readonly value: string;
  readonly keyId?: string;
  readonly description: string;
  readonly tier: string;
  /** Create (with tags) when false; new version of an existing parameter when true. */
  readonly overwrite: boolean;
  readonly tags?: Tag[];
}

const LABEL_NOT_FOUND = new Set(['ParameterNotFound', 'ParameterVersionNotFound', 'ParameterVersionLabelNotFound']);

/** Parameter Store's limits: GetParametersByPath 10, DescribeParameters 50, DeleteParameters 10. */
const BY_PATH_PAGE = 10;
const DESCRIBE_PAGE = 50;
export const DELETE_BATCH = 10;

/** `names` in groups DeleteParameters accepts. */
export function deleteBatchesOf(names: readonly string[]): string[][] {
  const batches: string[][] = [];
  for (let i = 0; i < names.length; i += DELETE_BATCH) batches.push(names.slice(i, i + DELETE_BATCH));
  return batches;
}

export class ParameterStore {
  constructor(
    private readonly ssm: SSMClient,
    private readonly calls: PacedCalls<PacedSsmAction>,
    /** Every SecureString value read is registered here before anything can log it. */
    private readonly redactor: Redactor,
  ) {}

  /** Latest value of every parameter under `path`, decrypted, keyed by full name. */
  public async valuesUnder(path: string): Promise<Map<string, StoredValue>> {
    const values = new Map<string, StoredValue>();
    let token: string | undefined;
    do {
      const page = await this.calls.call('GetParameter*', (abortSignal) => this.ssm.send(new GetParametersByPathCommand({
        Path: path, Recursive: true, WithDecryption: true, MaxResults: BY_PATH_PAGE, NextToken: token,
      }), { abortSignal }));
      for (const p of page.Parameters ?? []) {
        if (p.Type === 'SecureString') this.redactor.add(p.Value);
        values.set(p.Name!, { type: p.Type as ParameterType, value: p.Value ?? '', version: p.Version ?? 0 });
      }
      token = page.NextToken;
    } while (token);
    return values;
  }

  /** Metadata of parameters under `path` that carry every tag given, keyed by full name. */
  public async describeTagged(path: string, tags: Record<string, string>): Promise<Map<string, StoredMetadata>> {
    const filters: ParameterStringFilter[] = [
      { Key: 'Path', Option: 'Recursive', Values: [path] },
      ...Object.entries(tags).map(([key, value]) => ({ Key: `tag:${key}`, Values: [value] })),
    ];
    const found = new Map<string, StoredMetadata>();
    let token: string | undefined;
    do {
      const page = await this.calls.call('DescribeParameters', (abortSignal) => this.ssm.send(new DescribeParametersCommand({
        ParameterFilters: filters, MaxResults: DESCRIBE_PAGE, NextToken: token,
      }), { abortSignal }));
      for (const p of page.Parameters ?? []) {
        found.set(p.Name!, { keyId: p.KeyId, description: p.Description ?? '', tier: p.Tier });
      }
      token = page.NextToken;
    } while (token);
    return found;
  }

  /** The version carrying `label` (or numbered so), decrypted; undefined when no version has it. */
  public async versionLabelled(name: string, label: string | undefined): Promise<{ value: string; version: number } | undefined> {
    try {
      const selector = label === undefined ? name : `${name}:${label}`;
      const result = await this.calls.call('GetParameter*', (abortSignal) =>
        this.ssm.send(new GetParameterCommand({ Name: selector, WithDecryption: true }), { abortSignal }));
      const value = result.Parameter?.Value ?? '';
      this.redactor.add(value);
      return { value, version: result.Parameter?.Version ?? 0 };
    } catch (error) {
      if (LABEL_NOT_FOUND.has((error as Error).name)) return undefined;
      throw error;
    }
  }

  /** The latest version, or the one `version` names, decrypted; undefined when it does not exist. */
  public async current(name: string, version?: number): Promise<{ value: string; version: number } | undefined> {
    return this.versionLabelled(name, version === undefined ? undefined : String(version));
  }

  /** Writes a value and returns the new version number. */
  public async put(request: PutRequest): Promise<number> {
    const result = await this.calls.call('PutParameter', (abortSignal) => this.ssm.send(new PutParameterCommand({
      Name: request.name,
      Type: request.type,
      Value: request.value,
      KeyId: request.type === 'SecureString' ? request.keyId : undefined,
      Description: request.description,
      Tier: request.tier as any,
      Overwrite: request.overwrite,
      // PutParameter refuses tags together with Overwrite.
      Tags: request.overwrite ? undefined : request.tags,
    }), { abortSignal }));
    return result.Version ?? 0;
  }

  /** Puts `label` on `version`, moving it off whichever version had it. */
  public async label(name: string, version: number, label: string): Promise<void> {
    const command = new LabelParameterVersionCommand({ Name: name, ParameterVersion: version, Labels: [label] });
    const result = await this.calls.call('LabelParameterVersion', (abortSignal) => this.ssm.send(command, { abortSignal }));
    if (result.InvalidLabels?.length) {
      throw new Error(`Parameter Store refused version label '${label}' on '${name}'`);
    }
  }

  public async tagsOf(name: string): Promise<Map<string, string>> {
    const result = await this.calls.call('ListTagsForResource', (abortSignal) =>
      this.ssm.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: name }), { abortSignal }));
    return new Map((result.TagList ?? []).map((t) => [t.Key!, t.Value ?? '']));
  }

  public async addTags(name: string, tags: Map<string, string>): Promise<void> {
    if (tags.size === 0) return;
    await this.calls.call('AddTagsToResource', (abortSignal) => this.ssm.send(new AddTagsToResourceCommand({
      ResourceType: 'Parameter', ResourceId: name, Tags: [...tags].map(([Key, Value]) => ({ Key, Value })),
    }), { abortSignal }));
  }

  public async removeTags(name: string, keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.calls.call('RemoveTagsFromResource', (abortSignal) =>
      this.ssm.send(new RemoveTagsFromResourceCommand({ ResourceType: 'Parameter', ResourceId: name, TagKeys: [...keys] }), { abortSignal }));
  }

  /** Gives a parameter up: removes the tree's reserved tags, keeps its value, history and user tags. */
  public async release(name: string): Promise<void> {
    await this.removeTags(name, [OWNER_TAG, GENERATION_TAG, ADOPTED_TAG]);
  }

  /** Deletes up to DELETE_BATCH names; names already gone are not an error (idempotent). */
  public async deleteBatch(names: readonly string[]): Promise<void> {
    if (names.length > DELETE_BATCH) throw new Error(`DeleteParameters takes at most ${DELETE_BATCH} names, got: ${names.length}`);
    await this.calls.call('DeleteParameters', (abortSignal) => this.ssm.send(new DeleteParametersCommand({ Names: [...names] }), { abortSignal }));
  }
}
