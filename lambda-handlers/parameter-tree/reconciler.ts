/**
 * Dispatches one CloudFormation event of SecureParameterTree's custom resource: Create and
 * Update reconcile the tree, Delete removes one generation. AWS clients, sleep and logging are
 * injected; the Lambda entry point only wires them up.
 */
import { DecryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { SSMClient } from '@aws-sdk/client-ssm';
import { deleteGeneration } from './delete-generation';
import { reconcileTree } from './executor';
import { generationOf, physicalIdOf } from './hashing';
import { ParameterStore, Retrier } from './parameter-store';
import { ownerIdOf, parseTreeProperties } from './properties';
import { ParameterKind, TreeResourceProperties } from '../../src/parameter-tree/private/contract';
import { CustomResourceEvent } from '../shared/cfn-response';
import { CustomResourceResult } from '../shared/custom-resource';
import { Redactor } from '../shared/redaction';
import { DEFAULT_RETRY, RetryOptions, Sleep, withRetry } from '../shared/retry';

export interface ReconcilerDeps {
  readonly ssm: SSMClient;
  readonly kms: KMSClient;
  readonly redactor: Redactor;
  readonly sleep: Sleep;
  readonly concurrency: number;
  readonly log: (message: string) => void;
  /** Overrides of the retry policy (attempts, delays, jitter source). */
  readonly retry?: Partial<Omit<RetryOptions, 'sleep'>>;
}

export type TreeEvent = CustomResourceEvent<TreeResourceProperties>;

/** Handles one CloudFormation event. Throws with a message naming what failed. */
export async function handleTreeEvent(event: TreeEvent, deps: ReconcilerDeps): Promise<CustomResourceResult> {
  const owner = ownerIdOf(event.StackId, event.LogicalResourceId);
  const retryOptions = { ...DEFAULT_RETRY, ...deps.retry, sleep: deps.sleep };
  const retry: Retrier = (call) => withRetry(call, retryOptions);
  const store = new ParameterStore(deps.ssm, retry, deps.redactor);

  if (event.RequestType === 'Delete') {
    await deleteGeneration({ ...deps, physicalId: event.PhysicalResourceId, rawProps: event.ResourceProperties, owner, store });
    return { physicalResourceId: event.PhysicalResourceId };
  }

  const props = parseTreeProperties(event.ResourceProperties);
  registerLiteralSecrets(props, deps.redactor);
  const oldProps = event.RequestType === 'Update' ? tryParse(event.OldResourceProperties) : undefined;
  const decrypt = (ciphertext: string, keyArn: string) => decryptWithKms(deps.kms, ciphertext, keyArn, retry, deps.redactor);
  const deployedPhysicalId = event.RequestType === 'Update' ? event.PhysicalResourceId : undefined;
  return reconcileTree({ ...deps, props, oldProps, deployedPhysicalId, owner, store, decrypt });
}

/**
 * The physical id to report when an event fails. A failed Create reports the id a successful
 * one would have: the Delete CloudFormation sends next then removes exactly what that Create
 * managed to write (tagged with this owner and generation), and only under 'destroy'.
 */
export function physicalIdOnFailure(event: TreeEvent): string {
  if (event.RequestType !== 'Create') return event.PhysicalResourceId;
  try {
    const props = parseTreeProperties(event.ResourceProperties);
    return physicalIdOf(props.Path, generationOf(props.Parameters.map((p) => p.Name)));
  } catch {
    // Nothing was written with invalid properties; an id no Delete can match.
    return `${event.LogicalResourceId}:invalid-properties`;
  }
}

function tryParse(raw: unknown): TreeResourceProperties | undefined {
  try {
    return parseTreeProperties(raw);
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
  retry: Retrier,
  redactor: Redactor,
): Promise<string> {
  const result = await retry(() => kms.send(new DecryptCommand({ CiphertextBlob: Buffer.from(ciphertext, 'base64'), KeyId: keyArn })));
  const plaintext = Buffer.from(result.Plaintext ?? new Uint8Array()).toString('utf8');
  redactor.add(plaintext);
  return plaintext;
}
