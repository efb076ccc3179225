/**
 * Create and Update: reads the tree's path, asks `plan.ts` what to do, and does it. Every
 * decision is the plan's; this module holds the I/O (Parameter Store, KMS, the generator) and
 * the few reads a plan's action names (a labelled version, the actual tags).
 */
import { generationOf, ParsedPhysicalId, parsePhysicalId, physicalIdOf } from './hashing';
import { LabelledVersions, labelledVersionsOf } from './labelled-versions';
import { deleteBatchesOf, ParameterStore, PutRequest } from './parameter-store';
import {
  FreshSource,
  isOwnTag,
  ParameterAction,
  ParameterPlan,
  planTree,
  PutShape,
  refusalMessage,
  TreePlan,
  ValueSource,
} from './plan';
import { ownersOf } from './properties';
import { generateSecret } from './secret-generator';
import { readTree } from './tree-read';
import { UpdateScope, updateScopeOf } from './update-scope';
import {
  ADOPTED_TAG,
  GENERATION_TAG,
  OWNER_TAG,
  PLACEHOLDER_VALUE,
  SPEC_LABEL_PREFIX,
  TreeResourceAttributes,
  TreeResourceProperties,
} from '../../src/parameter-tree/private/contract';
import { ConcurrentWorkError, mapWithConcurrency, WorkCancelledError } from '../shared/concurrency';
import { CustomResourceResult } from '../shared/custom-resource';
import { AbortedError } from '../shared/rate-limiter';
import { Redactor } from '../shared/redaction';
import { describeError } from '../shared/retry';

export interface ReconcileTreeOptions {
  readonly props: TreeResourceProperties;
  /** The properties CloudFormation had deployed (an Update's old properties). */
  readonly oldProps?: TreeResourceProperties;
  /** The physical id an Update event carries: the generation CloudFormation has deployed. */
  readonly deployedPhysicalId?: string;
  readonly owner: string;
  readonly store: ParameterStore;
  readonly decrypt: (ciphertext: string, keyArn: string) => Promise<string>;
  readonly redactor: Redactor;
  readonly concurrency: number;
  readonly log: (message: string) => void;
  /** Aborts at the invocation's deadline: no new call starts, calls in flight are cancelled. */
  readonly signal?: AbortSignal;
  /**
   * Whether CloudFormation is rolling an update back; asked only when the answer changes the
   * plan (a secret to turn back into a plain parameter), so most events never ask.
   */
  readonly isRollingBack?: () => Promise<boolean>;
  /**
   * When the first invocation of this CloudFormation operation started (epoch ms): a version
   * written since then was written for this very event, by an earlier invocation or a duplicate.
   */
  readonly operationStartedAt?: number;
  /**
   * This invocation continues an operation an earlier invocation began. An Update then reads the
   * whole path: what the earlier invocations re-tagged is only known from the tags.
   */
  readonly continuing?: boolean;
}

/** The invocation ran out of time; the message says how far it got. */
export class DeadlineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeadlineError';
  }
}

/** What one reconcile did, for the log (counts only, never values). */
interface Outcome {
  created: number;
  written: number;
  retagged: number;
  replaced: number;
  unchanged: number;
  leftoversDeleted: number;
  leftoversReleased: number;
}

/**
 * One Create or Update of a tree. Reads the path once (what exists, what the tree holds, those
 * already tagged with this generation, and the few tags and plain values a decision needs),
 * refuses before any write, then carries out each parameter's actions with bounded concurrency,
 * then removes or releases leftovers.
 */
export async function reconcileTree(options: ReconcileTreeOptions): Promise<CustomResourceResult> {
  const { props, owner } = options;
  const path = props.Path;
  const generation = generationOf(props.Parameters.map((p) => p.Name));
  const deployed = options.deployedPhysicalId ? parsePhysicalId(options.deployedPhysicalId) : undefined;

  const scope = await updateScope(options, deployed);
  const read = await outOfTimeSays(`reading what Parameter Store holds under '${path}'; nothing was written`,
    () => readTree({ ...options, generation, deployed, names: scope?.changed }));
  const planInput = { props, oldProps: options.oldProps, owner, generation, deployed, unchanged: scope?.unchanged, ...read };
  let plan = planTree(planInput);
  if (plan.refused.some((r) => r.reason === 'secret-to-plain') && await options.isRollingBack?.()) {
    plan = planTree({ ...planInput, rollingBack: true });
  }
  if (plan.refused.length > 0) throw new Error(refusalMessage(plan.refused, owner));

  const outcome: Outcome = { created: 0, written: 0, retagged: 0, replaced: 0, unchanged: 0, leftoversDeleted: 0, leftoversReleased: 0 };
  const labelled = await outOfTimeSays(`reading which secrets under '${path}' carry their spec label; nothing was written`,
    () => labelledVersionsOf(plan.parameters, options.store));
  const executor = new ParameterExecutor(options, outcome, labelled);
  try {
    await mapWithConcurrency(plan.parameters, options.concurrency, (parameter) => executor.run(parameter), options.signal);
  } catch (error) {
    if (error instanceof WorkCancelledError) {
      throw new DeadlineError(
        `out of time: ${error.completed} of ${error.total} parameter(s) of tree '${path}' reconciled, ` +
        `${error.total - error.completed} left; every call had stopped before this answer. ` +
        'The next deployment, or the rollback, reconciles the rest',
      );
    }
    if (!(error instanceof ConcurrentWorkError)) throw error;
    const details = error.failures.map((f) => `'${(f.item as ParameterPlan).name}': ${describeError(f.error)}`);
    throw new Error(
      `could not reconcile ${details.length} parameter(s) of tree '${path}' (no further parameter was started): ${details.join('; ')}`,
    );
  }

  const leftoverPlan = plan.leftovers;
  if (leftoverPlan) {
    await outOfTimeSays(`removing leftovers of tree '${path}' after every parameter was reconciled; the next deployment removes them`,
      () => removeLeftovers(options, leftoverPlan, outcome));
  }

  const o = outcome;
  options.log(`tree ${path}@${generation}: ${scope ? `${scope.changed.size} changed name(s) read, ${scope.unchanged.size} unchanged not read` : 'whole path read'}; ` +
    `${o.created} created, ${o.written} written, ${o.replaced} replaced, ${o.retagged} retagged, ` +
    `${o.unchanged} unchanged, ${o.leftoversDeleted} leftover(s) deleted, ${o.leftoversReleased} released`);
  const data: TreeResourceAttributes = { Path: path, ParameterCount: String(props.Parameters.length) };
  return { physicalResourceId: physicalIdOf(path, generation, props.RetainRemovedParameters === 'true'), data: { ...data } };
}

/**
 * The names an Update reads: only the changed ones when its old properties are the deployed
 * ones and it is not a rollback (a rollback reads the whole path: the failed update may have
 * stopped anywhere). Undefined: the whole path is read (a Create, an Update without readable old
 * properties, a rollback).
 */
async function updateScope(options: ReconcileTreeOptions, deployed: ParsedPhysicalId | undefined): Promise<UpdateScope | undefined> {
  // A continuation reads the whole path: the changed names alone would not tell which unchanged
  // ones the earlier invocations already re-tagged, and it would re-tag them all again, forever.
  if (options.continuing) return undefined;
  const scope = updateScopeOf({ props: options.props, oldProps: options.oldProps, deployed });
  if (!scope) return undefined;
  return await options.isRollingBack?.() ? undefined : scope;
}

/**
 * Deletes the leftovers not awaiting CloudFormation's cleanup, or releases them (untagged, kept)
 * when the tree retains removed parameters; adopted ones are always released.
 */
async function removeLeftovers(options: ReconcileTreeOptions, leftoverPlan: NonNullable<TreePlan['leftovers']>, outcome: Outcome): Promise<void> {
  const { store, props } = options;
  // Only the candidates' tags matter: looked up by name when that is cheaper than a scan of the path.
  const names = leftoverPlan.candidates.length <= LEFTOVERS_LOOKED_UP_BY_NAME ? new Set(leftoverPlan.candidates) : undefined;
  const owners = ownersOf(options.owner, props.LegacyOwner);
  const awaitingCleanup = new Set<string>();
  for (const owner of owners) {
    const tagged = await store.describeTagged(props.Path, { [OWNER_TAG]: owner, [GENERATION_TAG]: leftoverPlan.unlessTaggedWith }, names);
    for (const name of tagged.keys()) awaitingCleanup.add(name);
  }
  const leftovers = leftoverPlan.candidates.filter((name) => !awaitingCleanup.has(name));
  if (leftovers.length === 0) return;
  const adopted = leftoverPlan.release
    ? new Set<string>()
    : new Set((await store.describeTagged(props.Path, { [OWNER_TAG]: options.owner, [ADOPTED_TAG]: 'true' }, names)).keys());
  const toRelease = leftovers.filter((name) => leftoverPlan.release || adopted.has(name));
  const toDelete = leftovers.filter((name) => !toRelease.includes(name));
  for (const name of toRelease) await store.release(name);
  for (const batch of deleteBatchesOf(toDelete)) await store.deleteBatch(batch);
  outcome.leftoversReleased = toRelease.length;
  outcome.leftoversDeleted = toDelete.length;
}

/** Up to this many leftover candidates (a few DescribeParameters calls by name), no scan of the path. */
const LEFTOVERS_LOOKED_UP_BY_NAME = 500;

/** Runs `work`; a cancellation by the deadline becomes a DeadlineError saying what was under way. */
export async function outOfTimeSays<T>(during: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof AbortedError) throw new DeadlineError(`out of time ${during}; every call had stopped before this answer`);
    throw error;
  }
}

/** Rewrites of a placeholder raced by operator writes before giving up. */
const OPERATOR_REWRITE_ATTEMPTS = 3;

/**
 * At Parameter Store's 100 versions, how many of the oldest versions lose the tree's old spec
 * labels at once: enough that the next few writes do not meet the limit again.
 */
export const VERSIONS_FREED_AT_ONCE = 10;

/** Carries out one parameter's actions, in order. */
class ParameterExecutor {
  constructor(
    private readonly options: ReconcileTreeOptions,
    private readonly outcome: Outcome,
    /** Asked before the work for every secret whose write looks for its label. */
    private readonly labelled: LabelledVersions,
  ) {}

  public async run(parameter: ParameterPlan): Promise<void> {
    for (const action of parameter.actions) await this.perform(parameter, action);
  }

  private async perform(parameter: ParameterPlan, action: ParameterAction): Promise<void> {
    const { store, owner } = this.options;
    const { name } = parameter;
    switch (action.kind) {
      case 'replace':
        // Deleting a parameter that is already gone is not an error: a rerun after a crash here creates it.
        await store.deleteBatch([name]);
        await this.create(parameter, action);
        this.outcome.replaced++;
        return;
      case 'create':
        await this.create(parameter, action);
        this.outcome.created++;
        return;
      case 'claim':
        await store.addTags(name, owner, action.tags);
        this.outcome.retagged++;
        return;
      case 'retag':
        await store.addTags(name, owner, new Map([[GENERATION_TAG, action.generation]]));
        this.outcome.retagged++;
        return;
      case 'sync-tags': {
        const actual = await store.tagsOf(name);
        const toAdd = new Map([...action.desired].filter(([key, value]) => actual.get(key) !== value));
        const toRemove = [...action.previous.keys()].filter((key) => !action.desired.has(key) && actual.has(key) && !isOwnTag(key));
        await store.addTags(name, owner, toAdd);
        await store.removeTags(name, toRemove);
        return;
      }
      case 'write': {
        if (action.source.from === 'operator') {
          await this.rewriteKeepingOperatorValue(parameter, action.put);
          this.outcome.written++;
          return;
        }
        const value = await this.valueFrom(parameter, action.source);
        if (value === undefined) {
          this.outcome.unchanged++;
          return;
        }
        const version = await this.overwrite(parameter, this.putOf(name, action.put, value, true), action.label);
        if (action.label) await store.label(name, version, action.label);
        this.outcome.written++;
        return;
      }
      case 'keep':
        this.outcome.unchanged++;
        return;
    }
  }

  private async create(parameter: ParameterPlan, action: Extract<ParameterAction, { kind: 'create' | 'replace' }>): Promise<void> {
    const { store } = this.options;
    const { name } = parameter;
    const value = await this.freshValue(parameter, action.source);
    const tags = [...action.tags].map(([Key, Value]) => ({ Key, Value }));
    let version: number;
    try {
      version = await store.put({ ...this.putOf(name, action.put, value, false), tags });
    } catch (error) {
      if ((error as Error).name !== 'ParameterAlreadyExists') throw error;
      version = await this.adoptOwnCreate(name);
    }
    // Labelling is idempotent: a duplicate that labelled this version already changes nothing.
    if (action.label) await store.label(name, version, action.label);
  }

  /**
   * PutParameter with Overwrite. Parameter Store keeps 100 versions and refuses a new one when
   * the oldest carries a label: then the tree's own spec labels come off the oldest versions,
   * except the one being written and the previously deployed spec's (a rollback needs it;
   * removing the one being written before the write lands would lose the value to a crash),
   * and the put is tried once more. Labels the tree did not write are never removed.
   */
  private async overwrite(parameter: ParameterPlan, request: PutRequest, writing: string | undefined): Promise<number> {
    const { store } = this.options;
    try {
      return await store.put(request);
    } catch (error) {
      if ((error as Error).name !== 'ParameterMaxVersionLimitExceeded') throw error;
    }
    const kept = new Set([writing, parameter.previousLabel].filter((label): label is string => label !== undefined));
    const history = await store.history(parameter.name);
    const oldest = history.slice(0, VERSIONS_FREED_AT_ONCE)
      .map((entry) => ({ ...entry, removable: entry.labels.filter((l) => l.startsWith(SPEC_LABEL_PREFIX) && !kept.has(l)) }));
    const pinned = oldest[0] ? oldest[0].labels.filter((l) => !oldest[0].removable.includes(l)) : [];
    if (pinned.length > 0) {
      throw new Error(
        `'${parameter.name}' has Parameter Store's maximum of versions, and its oldest version ${oldest[0].version} carries ` +
        `label(s) ${pinned.map((l) => `'${l}'`).join(', ')} that the tree may not remove (not its own, or needed for a rollback); ` +
        'move or remove them, then deploy again',
      );
    }
    for (const entry of oldest) await store.unlabel(parameter.name, entry.version, entry.removable);
    return store.put(request);
  }

  /**
   * A create met a parameter that the path read at the start did not show. If it carries this
   * tree's owner tag, it is this tree's own write: a first attempt that succeeded although its
   * answer was lost (retried after a client-side timeout), or a duplicate delivery of this event
   * running at the same time. Both wrote a value for this very spec, so it is kept (a generated
   * secret is not generated again). Anything else is a foreign parameter that appeared meanwhile.
   */
  private async adoptOwnCreate(name: string): Promise<number> {
    const tags = await this.options.store.tagsOf(name);
    if (tags.get(OWNER_TAG) !== this.options.owner) {
      throw new Error(
        `parameter '${name}' was created by someone else while this tree was being reconciled ` +
        `(no tag ${OWNER_TAG}=${this.options.owner}); it was left untouched`,
      );
    }
    const latest = await this.options.store.current(name);
    if (!latest) throw new Error(`parameter '${name}' was reported to exist, then could not be read`);
    return latest.version;
  }

  /**
   * Rewrites a placeholder's metadata with the operator's value. The value is read right before
   * the write, not at the start of the reconcile, and Parameter Store has no conditional put, so
   * a value the operator sets between that read and the write is detected afterwards from the
   * version numbers and written back on top: the operator's latest value is always the latest.
   */
  private async rewriteKeepingOperatorValue(parameter: ParameterPlan, put: PutShape): Promise<void> {
    const { store } = this.options;
    const { name } = parameter;
    let read = await store.current(name);
    let latestBefore = read?.version ?? 0;
    for (let attempt = 1; ; attempt++) {
      if (!read) throw new Error(`placeholder '${name}' disappeared while the tree was being reconciled`);
      const version = await this.overwrite(parameter, this.putOf(name, put, read.value, true), undefined);
      if (version === latestBefore + 1) return;
      if (attempt >= OPERATOR_REWRITE_ATTEMPTS) {
        throw new Error(`placeholder '${name}' kept changing while its metadata was rewritten; run the deployment again`);
      }
      // Someone wrote in between: their latest value is the version just below ours.
      read = await store.current(name, version - 1);
      latestBefore = version;
    }
  }

  private putOf(name: string, put: PutShape, value: string, overwrite: boolean): PutRequest {
    return { name, type: put.type, value, keyId: put.keyId, description: put.description, tier: put.tier, overwrite };
  }

  /** The value a source names; undefined when a labelled source finds nothing to write. */
  private async valueFrom(parameter: ParameterPlan, source: Exclude<ValueSource, { from: 'operator' }>): Promise<string | undefined> {
    const { name } = parameter;
    switch (source.from) {
      case 'stored': {
        // The tree's own SecureString, read with decryption via SSM: whichever key encrypted it.
        const current = await this.options.store.current(name);
        if (!current) throw new Error(`parameter '${name}' disappeared while the tree was being reconciled`);
        return current.value;
      }
      case 'labelled': {
        // The spec's value may live in an older version (a rollback, or a spec flipping back).
        // Read here, decrypted, only when that version is not the one to keep (or was not asked before).
        const asked = this.labelled.has(name);
        const version = this.labelled.get(name);
        if (asked && version !== undefined && version === source.skipIfLabelOn) return undefined;
        const labelled = asked && version === undefined ? undefined : await this.options.store.versionLabelled(name, source.label);
        if (labelled && labelled.version === source.skipIfLabelOn) return undefined;
        if (labelled) return labelled.value;
        if (source.otherwise === 'generate' && await this.labelSecretGeneratedByThisOperation(name, source.label)) return undefined;
        return this.freshValue(parameter, source.otherwise);
      }
      default:
        return this.freshValue(parameter, source.from);
    }
  }

  /**
   * A generated secret whose latest version this operation wrote, but whose label the deadline
   * cut off (the write landed, the label call did not run): that value was generated for this
   * very spec, so it gets the label instead of being generated a second time.
   */
  private async labelSecretGeneratedByThisOperation(name: string, label: string): Promise<boolean> {
    const startedAt = this.options.operationStartedAt;
    if (startedAt === undefined) return false;
    // Its time is enough: the value is not needed, so it is not decrypted.
    const latest = await this.options.store.latestVersion(name);
    if (!latest?.modifiedAt || latest.modifiedAt.getTime() < startedAt) return false;
    await this.options.store.label(name, latest.version, label);
    return true;
  }

  /** A value for a spec that has none yet. */
  private async freshValue(parameter: ParameterPlan, from: FreshSource): Promise<string> {
    const { spec } = parameter;
    switch (from) {
      case 'spec':
        return spec.Value!;
      case 'placeholder':
        return PLACEHOLDER_VALUE;
      case 'decrypt':
        return this.options.decrypt(spec.Ciphertext!, spec.CiphertextKeyArn || this.options.props.KeyArn);
      case 'generate': {
        const g = spec.Generator!;
        const value = generateSecret({
          length: Number(g.Length),
          excludeCharacters: g.ExcludeCharacters,
          excludePunctuation: g.ExcludePunctuation === 'true',
        });
        this.options.redactor.add(value);
        return value;
      }
    }
  }
}
