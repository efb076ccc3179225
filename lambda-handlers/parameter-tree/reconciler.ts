/**
 * Dispatches one CloudFormation event of SecureParameterTree's custom resource: Create and
 * Update reconcile the tree, Delete removes one generation. AWS clients, sleep and logging are
 * injected; the Lambda entry point only wires them up.
 */
import { DecryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { SSMClient } from '@aws-sdk/client-ssm';
import { deleteGeneration } from './delete-generation';
import { reconcileTree } from './executor';
import { physicalIdOf } from './hashing';
import { ManifestReader, withManifestLoaded } from './manifest';
import { ParameterStore } from './parameter-store';
import { legacyOwnerFrom, ownerFrom, ownersOf, parseThroughput, parseTreeProperties } from './properties';
import { treeGenerationOf } from './segment';
import { StackViewSource } from './stack-view';
import {
  PacedSsmAction,
  PARAMETER_STORE_TPS,
  ParameterKind,
  ParameterStoreThroughputName,
  TreeResourceProperties,
  TreeTemplateProperties,
} from '../../src/parameter-tree/private/contract';
import { CustomResourceEvent } from '../shared/cfn-response';
import { CustomResourceResult } from '../shared/custom-resource';
import { PacedCalls } from '../shared/paced-calls';
import { Redactor } from '../shared/redaction';
import { describeError, Sleep } from '../shared/retry';

export interface ReconcilerDeps {
  readonly ssm: SSMClient;
  readonly kms: KMSClient;
  /** What CloudFormation says about the event's stack (a Delete asks which generation is live). */
  readonly stacks: StackViewSource;
  readonly redactor: Redactor;
  readonly sleep: Sleep;
  readonly concurrency: number;
  readonly log: (message: string) => void;
  /** Aborts at the invocation's deadline. */
  readonly signal?: AbortSignal;
  /** Quotas (calls per second) instead of Parameter Store's, for tests and the benchmark. */
  readonly quotas?: Partial<Record<PacedSsmAction, number>>;
  /** Attempts for transient errors other than throttling. @default DEFAULT_TRANSIENT_ATTEMPTS */
  readonly transientAttempts?: number;
  /** Reads the tree's manifest; needed for properties that point at one. */
  readonly manifests?: ManifestReader;
  /** When the first invocation of this CloudFormation operation started (epoch ms); see ReconcileTreeOptions. */
  readonly operationStartedAt?: number;
}

/** Limiters start this far under the quota, leaving room for other callers and clock skew. */
export const START_SHARE_OF_QUOTA = 0.95;

/** One limiter per paced action, starting just under the quota of the account's setting. */
export function pacedSsmCalls(
  throughput: ParameterStoreThroughputName,
  deps: Pick<ReconcilerDeps, 'quotas' | 'signal' | 'sleep' | 'transientAttempts'>,
): PacedCalls<PacedSsmAction> {
  const quotas = { ...PARAMETER_STORE_TPS[throughput], ...deps.quotas };
  const startRates = Object.fromEntries(Object.entries(quotas).map(([action, tps]) => [action, tps * START_SHARE_OF_QUOTA]));
  return new PacedCalls<PacedSsmAction>({
    startRates,
    maxRates: quotas,
    signal: deps.signal,
    sleep: deps.sleep,
    transientAttempts: deps.transientAttempts,
  });
}

export type TreeEvent = CustomResourceEvent<TreeTemplateProperties>;

/** Handles one CloudFormation event. Throws with a message naming what failed. */
export async function handleTreeEvent(event: TreeEvent, deps: ReconcilerDeps): Promise<CustomResourceResult> {
  const owner = ownerFrom(event.ResourceProperties, event.StackId, event.LogicalResourceId);
  if (event.RequestType === 'Delete') {
    // A Delete must not fail on properties it cannot read: an unreadable setting is the default.
    const stack = deps.stacks(event.StackId, deps);
    return withStore(parseThroughput(event.ResourceProperties), deps, async (store) => {
      await deleteGeneration({
        ...deps,
        physicalId: event.PhysicalResourceId,
        logicalId: event.LogicalResourceId,
        rawProps: event.ResourceProperties,
        owners: ownersOf(owner, legacyOwnerFrom(event.ResourceProperties)),
        stack,
        store,
      });
      return { physicalResourceId: event.PhysicalResourceId };
    });
  }

  const props = parseTreeProperties(await withManifestLoaded(event.ResourceProperties, deps.manifests));
  registerLiteralSecrets(props, deps.redactor);
  const oldProps = event.RequestType === 'Update' ? await tryReadOld(event.OldResourceProperties, deps) : undefined;
  const kmsCalls = new PacedCalls<'Decrypt'>({ startRates: {}, signal: deps.signal, sleep: deps.sleep, transientAttempts: deps.transientAttempts });
  const decrypt = (ciphertext: string, keyArn: string) => decryptWithKms(deps.kms, ciphertext, keyArn, kmsCalls, deps.redactor);
  const deployedPhysicalId = event.RequestType === 'Update' ? event.PhysicalResourceId : undefined;
  // Asked at most once per event (the plan and the update's read scope may both need it).
  let rollingBack: Promise<boolean> | undefined;
  const isRollingBack = () => rollingBack ??= event.RequestType === 'Update'
    ? deps.stacks(event.StackId, deps).status().then((status) => status === 'UPDATE_ROLLBACK_IN_PROGRESS')
    : Promise.resolve(false);
  return withStore(props.Throughput ?? 'default', deps, (store) =>
    reconcileTree({ ...deps, props, oldProps, deployedPhysicalId, owner, store, decrypt, isRollingBack }));
}

/** Runs `work` with a Parameter Store paced for `throughput`, then logs how often it was throttled. */
async function withStore<T>(throughput: ParameterStoreThroughputName, deps: ReconcilerDeps, work: (store: ParameterStore) => Promise<T>): Promise<T> {
  const calls = pacedSsmCalls(throughput, deps);
  try {
    return await work(new ParameterStore(deps.ssm, calls, deps.redactor));
  } finally {
    const throttled = Object.entries(calls.throttles).map(([action, n]) => `${action} ${n}`);
    if (throttled.length > 0) deps.log(`throttled answers (each retried): ${throttled.join(', ')}`);
  }
}

/**
 * The physical id to report when an event fails. A failed Create reports the id a successful
 * one would have: the Delete CloudFormation sends next finds no other generation live and
 * treats the tree as a whole, by its removal policy.
 */
export async function physicalIdOnFailure(event: TreeEvent, manifests?: ManifestReader): Promise<string> {
  if (event.RequestType !== 'Create') return event.PhysicalResourceId;
  try {
    const props = parseTreeProperties(await withManifestLoaded(event.ResourceProperties, manifests));
    return physicalIdOf(props.Path, treeGenerationOf(props), props.RetainRemovedParameters === 'true');
  } catch {
    // Nothing was written with invalid properties; an id no Delete can match.
    return `${event.LogicalResourceId}:invalid-properties`;
  }
}

/**
 * The properties CloudFormation had deployed, or undefined when they cannot be read: they only
 * spare work (the plan then reads what it would have known), so an old manifest that is gone
 * (an asset clean-up) or altered does not fail the Update.
 */
async function tryReadOld(raw: unknown, deps: ReconcilerDeps): Promise<TreeResourceProperties | undefined> {
  let loaded: unknown;
  try {
    loaded = await withManifestLoaded(raw, deps.manifests);
  } catch (error) {
    deps.log(`the previous properties are not used: ${describeError(error)}`);
    return undefined;
  }
  try {
    return parseTreeProperties(loaded);
  } catch {
    return undefined;
  }
}

function registerLiteralSecrets(props: TreeResourceProperties, redactor: Redactor): void {
  for (const p of props.Parameters) {
    if (p.Kind === ParameterKind.UNSAFE_LITERAL) redactor.add(p.Value);
  }
}

async function decryptWithKms(
  kms: KMSClient,
  ciphertext: string,
  keyArn: string,
  calls: PacedCalls<'Decrypt'>,
  redactor: Redactor,
): Promise<string> {
  const result = await calls.call('Decrypt', (abortSignal) =>
    kms.send(new DecryptCommand({ CiphertextBlob: Buffer.from(ciphertext, 'base64'), KeyId: keyArn }), { abortSignal }));
  const plaintext = Buffer.from(result.Plaintext ?? new Uint8Array()).toString('utf8');
  redactor.add(plaintext);
  return plaintext;
}
