/**
 * Drives the reconciler as CloudFormation does: typed events, a local HTTP server standing in
 * for the pre-signed ResponseURL, and a snapshot of Parameter Store for assertions.
 */
import * as http from 'http';
import { AddressInfo } from 'net';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  DescribeParametersCommand,
  DescribeParametersCommandOutput,
  GetParameterHistoryCommand,
  GetParametersByPathCommand,
  ListTagsForResourceCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { LiveResource, StackView, StackViewSource } from '../../../lambda-handlers/parameter-tree/stack-view';
import { CreateEvent, CustomResourceResponse, DeleteEvent, UpdateEvent } from '../../../lambda-handlers/shared/cfn-response';
import { ownerOf, ParameterSpec, TreeResourceProperties, TreeTemplateProperties } from '../../../src/parameter-tree/private/contract';

export const STACK_NAME = 'ShopStack';
export const STACK_ID = `arn:aws:cloudformation:us-east-1:123456789012:stack/${STACK_NAME}/5b6f0c60-0000-4000-8000-000000000001`;
export const LOGICAL_ID = 'ConfigTree1A2B3C4D';
export const OWNER = `${STACK_NAME}/${LOGICAL_ID}`;

/** Collects every body PUT to it; stands in for CloudFormation's pre-signed S3 URL. */
export class ResponseCollector {
  public readonly bodies: string[] = [];
  private server?: http.Server;
  private url?: string;

  public async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        this.bodies.push(body);
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/cfn-response?X-Amz-Signature=test`;
  }

  public async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  public get responseUrl(): string {
    if (!this.url) throw new Error('ResponseCollector not started');
    return this.url;
  }

  public last(): CustomResourceResponse {
    if (this.bodies.length === 0) throw new Error('no response received');
    return JSON.parse(this.bodies[this.bodies.length - 1]);
  }
}

/** As the template holds them: specs inline, or in a manifest. */
type Props = TreeTemplateProperties;
let requestCounter = 0;

function base(responseUrl: string) {
  return {
    ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:reconciler',
    ResponseURL: responseUrl,
    StackId: STACK_ID,
    RequestId: `request-${++requestCounter}`,
    LogicalResourceId: LOGICAL_ID,
    ResourceType: 'Custom::SecureParameterTree',
  };
}

export function createEvent(responseUrl: string, props: Props): CreateEvent<Props> {
  return { ...base(responseUrl), RequestType: 'Create', ResourceProperties: props };
}

export function updateEvent(responseUrl: string, physicalId: string, props: Props, oldProps: Props): UpdateEvent<Props> {
  return { ...base(responseUrl), RequestType: 'Update', PhysicalResourceId: physicalId, ResourceProperties: props, OldResourceProperties: oldProps };
}

export function deleteEvent(responseUrl: string, physicalId: string, props: Props): DeleteEvent<Props> {
  return { ...base(responseUrl), RequestType: 'Delete', PhysicalResourceId: physicalId, ResourceProperties: props };
}

/**
 * The properties of a tree of STACK_NAME at `path` (owner from the stack name, retained, tree tag
 * team=shop), as the lifecycle suites build them.
 */
export function treeProperties(
  path: string, keyArn: string, parameters: ParameterSpec[], overrides: Partial<TreeResourceProperties> = {},
): TreeResourceProperties {
  return {
    Path: path,
    KeyArn: keyArn,
    RemovalPolicy: 'retain',
    AdoptExisting: 'false',
    Owner: ownerOf(STACK_NAME, path),
    Tags: [{ Key: 'team', Value: 'shop' }],
    Parameters: parameters,
    ...overrides,
  };
}

/** What the lifecycle suites share: the answers CloudFormation got, its view of the stack, a KMS key. */
export interface LifecycleSuite {
  readonly collector: ResponseCollector;
  readonly stacks: StackStandIn;
  /** The key made for the suite; read it inside a test or hook. */
  readonly keyArn: string;
}

/**
 * Registers, in the calling `describe`, what every lifecycle suite sets up: the response
 * collector, one KMS key, the stack stand-in reset to `stackStatus` before each test, and quiet
 * handler logs.
 */
export function lifecycleSuite(kms: KMSClient, keyDescription: string, stackStatus?: string): LifecycleSuite {
  const collector = new ResponseCollector();
  const stacks = new StackStandIn();
  let keyArn: string | undefined;
  beforeAll(async () => {
    await collector.start();
    keyArn = (await kms.send(new CreateKeyCommand({ Description: keyDescription }))).KeyMetadata!.Arn!;
  });
  beforeEach(() => {
    stacks.inState(stackStatus);
    jest.spyOn(console, 'log').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());
  afterAll(() => collector.stop());
  return {
    collector,
    stacks,
    get keyArn() {
      if (keyArn === undefined) throw new Error('the suite key is made in beforeAll: read keyArn inside a test or hook');
      return keyArn;
    },
  };
}

/** A Lambda context with plenty of time left. */
export const context = { getRemainingTimeInMillis: () => 300_000 };

export interface ParameterState {
  readonly type: string;
  readonly value: string;
  readonly version: number;
  readonly keyId?: string;
  readonly description: string;
  readonly tier: string;
  readonly tags: Record<string, string>;
  /** Version number -> labels on it. */
  readonly labels: Record<number, string[]>;
}

/** Everything Parameter Store holds under `path`, keyed by full name. */
export async function parameterStoreState(ssm: SSMClient, path: string): Promise<Record<string, ParameterState>> {
  const state: Record<string, ParameterState> = {};
  const values = new Map<string, { Type?: string; Value?: string; Version?: number }>();
  let token: string | undefined;
  do {
    const page = await ssm.send(new GetParametersByPathCommand({ Path: path, Recursive: true, WithDecryption: true, NextToken: token }));
    for (const p of page.Parameters ?? []) values.set(p.Name!, p);
    token = page.NextToken;
  } while (token);
  const metadata = new Map<string, { KeyId?: string; Description?: string; Tier?: string }>();
  token = undefined;
  do {
    const page: DescribeParametersCommandOutput = await ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Path', Option: 'Recursive', Values: [path] }], NextToken: token }));
    for (const p of page.Parameters ?? []) metadata.set(p.Name!, p);
    token = page.NextToken;
  } while (token);

  for (const [name, p] of values) {
    const tags = await ssm.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: name }));
    const labels: Record<number, string[]> = {};
    let historyToken: string | undefined;
    do {
      const history = await ssm.send(new GetParameterHistoryCommand({ Name: name, NextToken: historyToken }));
      for (const v of history.Parameters ?? []) if (v.Labels?.length) labels[v.Version!] = [...v.Labels].sort();
      historyToken = history.NextToken;
    } while (historyToken);
    const meta = metadata.get(name);
    state[name] = {
      type: p.Type!,
      value: p.Value!,
      version: p.Version!,
      keyId: p.Type === 'SecureString' ? meta?.KeyId : undefined,
      description: meta?.Description ?? '',
      tier: meta?.Tier ?? 'Standard',
      tags: Object.fromEntries((tags.TagList ?? []).map((t) => [t.Key!, t.Value!])),
      labels,
    };
  }
  return state;
}

/** Clients pointed at moto_server (AWS_ENDPOINT_URL, set by the jest global setup). */
export function motoClients(): { ssm: SSMClient; kms: KMSClient } {
  return { ssm: new SSMClient({}), kms: new KMSClient({}) };
}

/** A unique tree path per test: moto's state is shared by the whole run. */
export function uniquePath(label: string): string {
  return `/cscfg-test/${label}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * Stands in for CloudFormation's answers to a Delete (stack status, live physical id). A
 * stand-in because moto_server's CloudFormation cannot run this custom resource, nor hold a
 * stack in the states cleanup Deletes arrive in (UPDATE_COMPLETE_CLEANUP_IN_PROGRESS,
 * UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS); the real adapter is tested against moto's
 * CloudFormation in stack-view.test.ts. Until told otherwise the stack does not exist.
 */
export class StackStandIn implements StackView {
  private stackStatus?: string;
  private live?: string;
  private liveStatus?: string;
  /** Other tree resources of the stack, logical id -> physical id. */
  private readonly otherTrees = new Map<string, string>();

  /** The view every event of a handler gets. */
  public get source(): StackViewSource {
    return () => this;
  }

  /** The stack is in `status`, and LOGICAL_ID's live physical id is `livePhysicalId` (none: not in the stack). */
  public inState(status: string | undefined, livePhysicalId?: string): this {
    this.stackStatus = status;
    this.live = livePhysicalId;
    this.liveStatus = undefined;
    this.otherTrees.clear();
    return this;
  }

  /** LOGICAL_ID's resource status is `status` (unknown unless said, as in older versions of this stand-in). */
  public withResourceStatus(status: string): this {
    this.liveStatus = status;
    return this;
  }

  /** The stack also holds the tree resource `logicalId`, with `physicalId`. */
  public withTree(logicalId: string, physicalId: string): this {
    this.otherTrees.set(logicalId, physicalId);
    return this;
  }

  /** CloudFormation's cleanup after an update that succeeded and made `livePhysicalId` live. */
  public cleanupAfterUpdate(livePhysicalId: string): this {
    return this.inState('UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', livePhysicalId);
  }

  /** CloudFormation's cleanup after an update that rolled back to `livePhysicalId`. */
  public cleanupAfterRollback(livePhysicalId: string): this {
    return this.inState('UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS', livePhysicalId);
  }

  /** The stack is being deleted; `livePhysicalId` is the resource being deleted. */
  public deleting(livePhysicalId: string): this {
    return this.inState('DELETE_IN_PROGRESS', livePhysicalId);
  }

  public async status(): Promise<string | undefined> {
    return this.stackStatus;
  }

  public async liveResource(logicalId: string): Promise<LiveResource | undefined> {
    const physicalId = logicalId === LOGICAL_ID ? this.live : this.otherTrees.get(logicalId);
    if (physicalId === undefined) return undefined;
    return { physicalId, ...(logicalId === LOGICAL_ID && this.liveStatus ? { status: this.liveStatus } : {}) };
  }

  public async liveResourcesOfType(resourceType: string): Promise<Map<string, string>> {
    if (resourceType !== 'Custom::SecureParameterTree') return new Map();
    return new Map([...this.otherTrees, ...(this.live ? [[LOGICAL_ID, this.live] as const] : [])]);
  }
}
