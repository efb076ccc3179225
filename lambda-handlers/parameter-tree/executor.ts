/**
 * Create and Update: reads the tree's path, asks `plan.ts` what to do, and does it. Every
 * decision is the plan's; this module holds the I/O (Parameter Store, KMS, the generator) and
 * the few reads a plan's action names (a labelled version, the actual tags).
 */
import { ParsedPhysicalId, parsePhysicalId, physicalIdOf } from './hashing';
import { LabelledVersions, labelledVersionsOf } from './labelled-versions';
import { deleteBatchesOf, ParameterStore, PutRequest } from './parameter-store';
import {
  FreshSource,
  isOwnTag,
  Leftovers,
  ParameterAction,
  ParameterPlan,
  planTree,
  PutShape,
  refusalMessage,
  ValueSource,
} from './plan';
import { generateSecret } from './secret-generator';
import { treeGenerationOf } from './segment';
import { readTree } from './tree-read';
import { UpdateScope, updateScopeOf } from './update-scope';
import {
  ADOPTED_TAG,
  OWNER_TAG,
  PLACEHOLDER_VALUE,
  REMOVED_IN_TAG,
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
  claimed: number;
  replaced: number;
  unchanged: number;
  leftoversDeleted: number;
  leftoversReleased: number;
  leftoversMarked: number;
}

/**
 * One Create or Update of a tree. Reads the path, or an Update's changed names, once (what
 * exists, what the tree holds, and the few tags and plain values a decision needs), refuses
 * before any write, then carries out each parameter's actions with bounded concurrency, then
 * removes, releases or marks leftovers.
 */
export async function reconcileTree(options: ReconcileTreeOptions): Promise<CustomResourceResult> {
  const { props, owner } = options;
  const path = props.Path;
  const generation = treeGenerationOf(props);
  const deployed = options.deployedPhysicalId ? parsePhysicalId(options.deployedPhysicalId) : undefined;

  const scope = await updateScope(options, deployed);
  const read = await outOfTimeSays(`reading what Parameter Store holds under '${path}'; nothing was written`,
    () => readTree({ ...options, names: scope?.changed }));
  const planInput = { props, oldProps: options.oldProps, owner, generation, deployed, unchanged: scope?.unchanged, ...read };
  let plan = planTree(planInput);
  if (plan.refused.some((r) => r.reason === 'secret-to-plain') && await options.isRollingBack?.()) {
    plan = planTree({ ...planInput, rollingBack: true });
  }
  if (plan.refused.length > 0) throw new Error(refusalMessage(plan.refused, owner));

  const outcome: Outcome = {
    created: 0, written: 0, claimed: 0, replaced: 0, unchanged: 0, leftoversDeleted: 0, leftoversReleased: 0, leftoversMarked: 0,
  };
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
    const doing = leftoverPlan.action === 'mark' ? `marking ${REMOVED_IN_TAG}=${generation}` : 'removing';
    await outOfTimeSays(`${doing} the parameters tree '${path}' no longer wants, after every parameter was reconciled`,
      () => handleLeftovers(options, leftoverPlan, outcome));
  }

  const o = outcome;
  options.log(`tree ${path}@${generation}: ${scope ? `${scope.changed.size} changed name(s) read, ${scope.unchanged.size} unchanged not read` : 'whole path read'}; ` +
    `${o.created} created, ${o.written} written, ${o.replaced} replaced, ${o.claimed} claimed, ` +
    `${o.unchanged} unchanged, ${o.leftoversDeleted} leftover(s) deleted, ${o.leftoversReleased} released, ` +
    `${o.leftoversMarked} marked ${REMOVED_IN_TAG}=${generation}`);
  const data: TreeResourceAttributes = { Path: path, ParameterCount: String(props.Parameters.length) };
  return { physicalResourceId: physicalIdOf(path, generation, props.RetainRemovedParameters === 'true'), data: { ...data } };
}

/**
 * The names an Update reads: only the changed ones when its old properties are the deployed
 * ones and it is not a rollback (a rollback reads the whole path: the failed update may have
 * stopped anywhere). Undefined: the whole path is read (a Create, an Update without readable old
 * properties, a rollback). An invocation that continues an Update reads the same names as the
 * first: nothing outside them is ever written, so what the earlier invocations did is in them.
 */
async function updateScope(options: ReconcileTreeOptions, deployed: ParsedPhysicalId | undefined): Promise<UpdateScope | undefined> {
  const scope = updateScopeOf({ props: options.props, oldProps: options.oldProps, deployed });
  if (!scope) return undefined;
  return await options.isRollingBack?.() ? undefined : scope;
}

/** Marks the leftovers a rollback may still need, or removes the others (see `Leftovers`). */
async function handleLeftovers(options: ReconcileTreeOptions, leftovers: Leftovers, outcome: Outcome): Promise<void> {
  if (leftovers.action === 'mark') {
    await markLeftovers(options, leftovers.candidates, leftovers.generation);
    outcome.leftoversMarked = leftovers.candidates.length;
    return;
  }
  const { store, props } = options;
  // Only the candidates' tags matter: looked up by name when that is cheaper than a scan of the path.
  const names = leftovers.candidates.length <= LEFTOVERS_LOOKED_UP_BY_NAME ? new Set(leftovers.candidates) : undefined;
  const adopted = leftovers.release
    ? new Set<string>()
    : new Set((await store.describeTagged(props.Path, { [OWNER_TAG]: options.owner, [ADOPTED_TAG]: 'true' }, names)).keys());
  const toRelease = leftovers.candidates.filter((name) => leftovers.release || adopted.has(name));
  const toDelete = leftovers.candidates.filter((name) => !toRelease.includes(name));
  for (const name of toRelease) await store.release(name);
  for (const batch of deleteBatchesOf(toDelete)) await store.deleteBatch(batch);
  outcome.leftoversReleased = toRelease.length;
  outcome.leftoversDeleted = toDelete.length;
}

/**
 * Tags each leftover REMOVED_IN_TAG=`generation` (with the owner tag, which also takes over a
 * parameter of the legacy owner): "this generation does not want it". The cleanup Delete removes
 * what is marked with the generation live at that time. A mark is never cleared: when a later
 * generation wants the parameter again, the statement stays true, and it only matters once the
 * marking generation is live, which never wants the parameter.
 */
async function markLeftovers(options: ReconcileTreeOptions, names: readonly string[], generation: string): Promise<void> {
  const mark = new Map([[REMOVED_IN_TAG, generation]]);
  // One at a time, as releases are: AddTagsToResource's pace, not latency, bounds the rate.
  for (const name of names) await options.store.addTags(name, options.owner, mark);
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
        this.outcome.claimed++;
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
