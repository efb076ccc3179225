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
  GetParameterHistoryCommand,
  GetParametersCommand,
  LabelParameterVersionCommand,
  ListTagsForResourceCommand,
  Parameter,
  ParameterStringFilter,
  PutParameterCommand,
  RemoveTagsFromResourceCommand,
  SSMClient,
  Tag,
  UnlabelParameterVersionCommand,
} from '@aws-sdk/client-ssm';
import { ParameterType, RESERVED_TAGS, StoredParameter } from './plan';
import { OWNER_TAG, PacedSsmAction } from '../../src/parameter-tree/private/contract';
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

/** Parameter Store's limits: GetParameters 10, DescribeParameters 50, GetParameterHistory 50, DeleteParameters 10. */
const GET_BATCH = 10;
const DESCRIBE_PAGE = 50;
/** A DescribeParameters filter takes at most 50 values. */
const NAME_FILTER_VALUES = 50;
const HISTORY_PAGE = 50;
export const DELETE_BATCH = 10;


/** `names` in groups of `size` (DeleteParameters and GetParameters take 10). */
export function batchesOf(names: readonly string[], size: number): string[][] {
  const batches: string[][] = [];
  for (let i = 0; i < names.length; i += size) batches.push(names.slice(i, i + size));
  return batches;
}

/** `names` in groups DeleteParameters accepts. */
export function deleteBatchesOf(names: readonly string[]): string[][] {
  return batchesOf(names, DELETE_BATCH);
}

/** One version of a parameter as its history lists it (no value). */
export interface HistoryEntry {
  readonly version: number;
  readonly labels: readonly string[];
}

/** One version of a parameter, decrypted. */
export interface StoredVersion {
  readonly value: string;
  readonly version: number;
  /** When Parameter Store wrote it. */
  readonly modifiedAt?: Date;
}

export class ParameterStore {
  constructor(
    private readonly ssm: SSMClient,
    private readonly calls: PacedCalls<PacedSsmAction>,
    /** Every SecureString value read is registered here before anything can log it. */
    private readonly redactor: Redactor,
  ) {}

  /**
   * What DescribeParameters knows of every parameter under `path` (type, version, key, tier,
   * description; no value, nothing decrypted), keyed by full name. With `names`, of those names
   * only (an Update's changed parameters): up to 50 names per call instead of a scan of the path.
   */
  public async describeAll(path: string, names?: ReadonlySet<string>): Promise<Map<string, StoredParameter>> {
    return this.describe(path, {}, names);
  }

  /** The same, for the parameters under `path` (or among `names`) that carry every tag given. */
  public async describeTagged(path: string, tags: Record<string, string>, names?: ReadonlySet<string>): Promise<Map<string, StoredParameter>> {
    return this.describe(path, tags, names);
  }

  private async describe(path: string, tags: Record<string, string>, names: ReadonlySet<string> | undefined): Promise<Map<string, StoredParameter>> {
    const tagFilters = Object.entries(tags).map(([key, value]) => ({ Key: `tag:${key}`, Values: [value] }));
    const found = new Map<string, StoredParameter>();
    if (!names) {
      await this.describePages([{ Key: 'Path', Option: 'Recursive', Values: [path] }, ...tagFilters], found);
      return found;
    }
    for (const batch of batchesOf([...names], NAME_FILTER_VALUES)) {
      await this.describePages([{ Key: 'Name', Option: 'Equals', Values: batch }, ...tagFilters], found);
    }
    return found;
  }

  private async describePages(filters: ParameterStringFilter[], found: Map<string, StoredParameter>): Promise<void> {
    let token: string | undefined;
    do {
      const page = await this.calls.call('DescribeParameters', (abortSignal) => this.ssm.send(new DescribeParametersCommand({
        ParameterFilters: filters, MaxResults: DESCRIBE_PAGE, NextToken: token,
      }), { abortSignal }));
      for (const p of page.Parameters ?? []) {
        found.set(p.Name!, {
          type: p.Type as ParameterType, version: p.Version ?? 0, keyId: p.KeyId, description: p.Description ?? '', tier: p.Tier,
        });
      }
      token = page.NextToken;
    } while (token);
  }

  /**
   * Latest values of String and StringList parameters, without decryption (a SecureString among
   * `names` would come back as ciphertext: callers pass plain ones only). Names that do not
   * exist are left out.
   */
  public async plainValues(names: readonly string[]): Promise<Map<string, string>> {
    const values = new Map<string, string>();
    for (const batch of batchesOf(names, GET_BATCH)) {
      const result = await this.calls.call('GetParameter*', (abortSignal) =>
        this.ssm.send(new GetParametersCommand({ Names: batch, WithDecryption: false }), { abortSignal }));
      for (const p of result.Parameters ?? []) {
        if (p.Type !== 'SecureString') values.set(p.Name!, p.Value ?? '');
      }
    }
    return values;
  }

  /**
   * For each name, the version carrying its label (`labels`: name to label), read without
   * decryption, ten names a call; names where no version carries the label, or that do not
   * exist, are left out.
   */
  public async versionsLabelled(labels: ReadonlyMap<string, string>): Promise<Map<string, number>> {
    const versions = new Map<string, number>();
    for (const batch of batchesOf([...labels].map(([name, label]) => `${name}:${label}`), GET_BATCH)) {
      const result = await this.calls.call('GetParameter*', (abortSignal) =>
        this.ssm.send(new GetParametersCommand({ Names: batch, WithDecryption: false }), { abortSignal }));
      // AWS answers with the bare name (the label in Selector); names cannot hold ':'.
      for (const p of result.Parameters ?? []) versions.set(p.Name!.split(':')[0], p.Version ?? 0);
    }
    return versions;
  }

  /** The version carrying `label` (or numbered so), decrypted; undefined when no version has it. */
  public async versionLabelled(name: string, label: string | undefined): Promise<StoredVersion | undefined> {
    const parameter = await this.getParameter(label === undefined ? name : `${name}:${label}`, true);
    if (!parameter) return undefined;
    const value = parameter.Value ?? '';
    this.redactor.add(value);
    return { value, version: parameter.Version ?? 0, modifiedAt: parameter.LastModifiedDate };
  }

  /** The latest version's number and time, its value not decrypted; undefined when it does not exist. */
  public async latestVersion(name: string): Promise<Omit<StoredVersion, 'value'> | undefined> {
    const parameter = await this.getParameter(name, false);
    return parameter && { version: parameter.Version ?? 0, modifiedAt: parameter.LastModifiedDate };
  }

  /** GetParameter of `selector` (a name, with `:label` or `:version`); undefined when there is none. */
  private async getParameter(selector: string, withDecryption: boolean): Promise<Parameter | undefined> {
    try {
      const result = await this.calls.call('GetParameter*', (abortSignal) =>
        this.ssm.send(new GetParameterCommand({ Name: selector, WithDecryption: withDecryption }), { abortSignal }));
      return result.Parameter ?? {};
    } catch (error) {
      if (LABEL_NOT_FOUND.has((error as Error).name)) return undefined;
      throw error;
    }
  }

  /** The latest version, or the one `version` names, decrypted; undefined when it does not exist. */
  public async current(name: string, version?: number): Promise<StoredVersion | undefined> {
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

  /**
   * Adds `tags`, always together with OWNER_TAG=`owner`: the reconciler's IAM policy allows
   * AddTagsToResource only with that tag in the request (aws:RequestTag). Nothing is sent when
   * `tags` is empty.
   */
  public async addTags(name: string, owner: string, tags: ReadonlyMap<string, string>): Promise<void> {
    if (tags.size === 0) return;
    const withOwner = new Map([...tags, [OWNER_TAG, owner]]);
    await this.calls.call('AddTagsToResource', (abortSignal) => this.ssm.send(new AddTagsToResourceCommand({
      ResourceType: 'Parameter', ResourceId: name, Tags: [...withOwner].map(([Key, Value]) => ({ Key, Value })),
    }), { abortSignal }));
  }

  public async removeTags(name: string, keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.calls.call('RemoveTagsFromResource', (abortSignal) =>
      this.ssm.send(new RemoveTagsFromResourceCommand({ ResourceType: 'Parameter', ResourceId: name, TagKeys: [...keys] }), { abortSignal }));
  }

  /** Versions of `name` still kept (up to 100), oldest first, with their labels. */
  public async history(name: string): Promise<HistoryEntry[]> {
    const entries: HistoryEntry[] = [];
    let token: string | undefined;
    do {
      // Paced with GetParameter*: a rare call (the version limit), not worth a limiter of its own.
      const page = await this.calls.call('GetParameter*', (abortSignal) => this.ssm.send(new GetParameterHistoryCommand({
        Name: name, WithDecryption: false, MaxResults: HISTORY_PAGE, NextToken: token,
      }), { abortSignal }));
      for (const p of page.Parameters ?? []) entries.push({ version: p.Version ?? 0, labels: p.Labels ?? [] });
      token = page.NextToken;
    } while (token);
    return entries.sort((a, b) => a.version - b.version);
  }

  /** Takes `labels` off `version`; labels it does not carry are ignored. */
  public async unlabel(name: string, version: number, labels: readonly string[]): Promise<void> {
    if (labels.length === 0) return;
    // Paced with LabelParameterVersion: the same kind of write, and rare.
    await this.calls.call('LabelParameterVersion', (abortSignal) => this.ssm.send(new UnlabelParameterVersionCommand({
      Name: name, ParameterVersion: version, Labels: [...labels],
    }), { abortSignal }));
  }

  /**
   * Releases a parameter: removes the tree's reserved tags (owner, generation, adopted, removal
   * mark) and keeps its value, history and user tags. Releasing a released parameter changes
   * nothing.
   */
  public async release(name: string): Promise<void> {
    await this.removeTags(name, RESERVED_TAGS);
  }

  /** Deletes up to DELETE_BATCH names; names already gone are not an error (idempotent). */
  public async deleteBatch(names: readonly string[]): Promise<void> {
    if (names.length > DELETE_BATCH) throw new Error(`DeleteParameters takes at most ${DELETE_BATCH} names, got: ${names.length}`);
    await this.calls.call('DeleteParameters', (abortSignal) => this.ssm.send(new DeleteParametersCommand({ Names: [...names] }), { abortSignal }));
  }
}
