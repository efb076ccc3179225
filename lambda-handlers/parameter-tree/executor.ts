/**
 * Create and Update: reads the tree's path, asks `plan.ts` what to do, and does it. Every
 * decision is the plan's; this module holds the I/O (Parameter Store, KMS, the generator) and
 * the few reads a plan's action names (a labelled version, the actual tags).
 */
import { generationOf, parsePhysicalId, physicalIdOf } from './hashing';
import { deleteBatchesOf, ParameterStore } from './parameter-store';
import {
  FreshSource, generationScanNeeded, isOwnTag, ParameterAction, ParameterPlan, planTree, PutShape, StoredMetadata, StoredValue, ValueSource,
} from './plan';
import { generateSecret } from './secret-generator';
import {
  GENERATION_TAG,
  OWNER_TAG,
  PLACEHOLDER_VALUE,
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
  unchanged: number;
  leftovers: number;
}

/**
 * One Create or Update of a tree. Reads the path once (values, owned parameters, those already
 * tagged with this generation), refuses foreign parameters before any write, then carries out
 * each parameter's actions with bounded concurrency, then removes leftovers.
 */
export async function reconcileTree(options: ReconcileTreeOptions): Promise<CustomResourceResult> {
  const { props, store, owner } = options;
  const path = props.Path;
  const generation = generationOf(props.Parameters.map((p) => p.Name));
  const deployed = options.deployedPhysicalId ? parsePhysicalId(options.deployedPhysicalId) : undefined;

  const [values, owned, inGeneration] = await outOfTimeSays(`reading what Parameter Store holds under '${path}'; nothing was written`, async () => {
    const valuesRead = await store.valuesUnder(path);
    const ownedRead = await store.describeTagged(path, { [OWNER_TAG]: owner });
    return [valuesRead, ownedRead, await ownedWithGeneration(options, ownedRead, generation, deployed)] as const;
  });
  const plan = planTree({ props, oldProps: options.oldProps, owner, generation, deployed, values, owned, inGeneration });

  if (plan.foreign.length > 0) {
    throw new Error(
      `parameter(s) ${plan.foreign.map((n) => `'${n}'`).join(', ')} already exist and are not owned by ${owner} ` +
      `(no tag ${OWNER_TAG}=${owner}); nothing was changed. Delete them, rename them in the tree, ` +
      'or set adoptExisting to let the tree take them over',
    );
  }

  const outcome: Outcome = { created: 0, written: 0, retagged: 0, unchanged: 0, leftovers: 0 };
  const executor = new ParameterExecutor(options, values, outcome);
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
    await outOfTimeSays(`removing leftovers of tree '${path}' after every parameter was reconciled; the next deployment removes them`, async () => {
      const awaitingCleanup = await store.describeTagged(path, { [OWNER_TAG]: owner, [GENERATION_TAG]: leftoverPlan.unlessTaggedWith });
      const leftovers = leftoverPlan.candidates.filter((name) => !awaitingCleanup.has(name));
      for (const batch of deleteBatchesOf(leftovers)) await store.deleteBatch(batch);
      outcome.leftovers = leftovers.length;
    });
  }

  const o = outcome;
  options.log(`tree ${path}@${generation}: ${o.created} created, ${o.written} written, ${o.retagged} retagged, ` +
    `${o.unchanged} unchanged, ${o.leftovers} leftover(s) removed`);
  const data: TreeResourceAttributes = { Path: path, ParameterCount: String(props.Parameters.length) };
  return { physicalResourceId: physicalIdOf(path, generation, props.RetainRemovedParameters === 'true'), data: { ...data } };
}

/** Runs `work`; a cancellation by the deadline becomes a DeadlineError saying what was under way. */
export async function outOfTimeSays<T>(during: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof AbortedError) throw new DeadlineError(`out of time ${during}; every call had stopped before this answer`);
    throw error;
  }
}

async function ownedWithGeneration(
  options: ReconcileTreeOptions,
  owned: Map<string, StoredMetadata>,
  generation: string,
  deployed: { generation: string } | undefined,
): Promise<Set<string>> {
  const oldGeneration = options.oldProps ? generationOf(options.oldProps.Parameters.map((p) => p.Name)) : undefined;
  if (!generationScanNeeded({ generation, deployed, oldGeneration, ownedCount: owned.size })) {
    return new Set(owned.keys());
  }
  const tagged = await options.store.describeTagged(options.props.Path, { [OWNER_TAG]: options.owner, [GENERATION_TAG]: generation });
  return new Set(tagged.keys());
}

/** Rewrites of a placeholder raced by operator writes before giving up. */
const OPERATOR_REWRITE_ATTEMPTS = 3;

/** Carries out one parameter's actions, in order. */
class ParameterExecutor {
  constructor(
    private readonly options: ReconcileTreeOptions,
    private readonly values: ReadonlyMap<string, StoredValue>,
    private readonly outcome: Outcome,
  ) {}

  public async run(parameter: ParameterPlan): Promise<void> {
    for (const action of parameter.actions) await this.perform(parameter, action);
  }

  private async perform(parameter: ParameterPlan, action: ParameterAction): Promise<void> {
    const { store } = this.options;
    const { name } = parameter;
    switch (action.kind) {
      case 'create': {
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
        this.outcome.created++;
        return;
      }
      case 'claim':
        await store.addTags(name, new Map(action.tags));
        this.outcome.retagged++;
        return;
      case 'retag':
        await store.addTags(name, new Map([[GENERATION_TAG, action.generation]]));
        this.outcome.retagged++;
        return;
      case 'sync-tags': {
        const actual = await store.tagsOf(name);
        const toAdd = new Map([...action.desired].filter(([key, value]) => actual.get(key) !== value));
        const toRemove = [...action.previous.keys()].filter((key) => !action.desired.has(key) && actual.has(key) && !isOwnTag(key));
        await store.addTags(name, toAdd);
        await store.removeTags(name, toRemove);
        return;
      }
      case 'write': {
        if (action.source.from === 'operator') {
          await this.rewriteKeepingOperatorValue(name, action.put);
          this.outcome.written++;
          return;
        }
        const value = await this.valueFrom(parameter, action.source);
        if (value === undefined) {
          this.outcome.unchanged++;
          return;
        }
        const version = await store.put(this.putOf(name, action.put, value, true));
        if (action.label) await store.label(name, version, action.label);
        this.outcome.written++;
        return;
      }
      case 'keep':
        this.outcome.unchanged++;
        return;
    }
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
  private async rewriteKeepingOperatorValue(name: string, put: PutShape): Promise<void> {
    const { store } = this.options;
    let read = await store.current(name);
    let latestBefore = read?.version ?? 0;
    for (let attempt = 1; ; attempt++) {
      if (!read) throw new Error(`placeholder '${name}' disappeared while the tree was being reconciled`);
      const version = await store.put(this.putOf(name, put, read.value, true));
      if (version === latestBefore + 1) return;
      if (attempt >= OPERATOR_REWRITE_ATTEMPTS) {
        throw new Error(`placeholder '${name}' kept changing while its metadata was rewritten; run the deployment again`);
      }
      // Someone wrote in between: their latest value is the version just below ours.
      read = await store.current(name, version - 1);
      latestBefore = version;
    }
  }

  private putOf(name: string, put: PutShape, value: string, overwrite: boolean) {
    return { name, type: put.type, value, keyId: put.keyId, description: put.description, tier: put.tier, overwrite };
  }

  /** The value a source names; undefined when a labelled source finds nothing to write. */
  private async valueFrom(parameter: ParameterPlan, source: Exclude<ValueSource, { from: 'operator' }>): Promise<string | undefined> {
    const { name } = parameter;
    switch (source.from) {
      case 'stored':
        return this.values.get(name)!.value;
      case 'labelled': {
        // The spec's value may live in an older version (a rollback, or a spec flipping back).
        const labelled = await this.options.store.versionLabelled(name, source.label);
        if (labelled && labelled.version === source.skipIfLabelOn) return undefined;
        return labelled ? labelled.value : this.freshValue(parameter, source.otherwise);
      }
      default:
        return this.freshValue(parameter, source.from);
    }
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
