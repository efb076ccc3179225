/**
 * What CloudFormation says about the stack a Delete came from: the stack's status and the
 * physical id it records now for a logical id. A Delete cannot tell from its own event whether
 * it cleans up a replaced generation or removes the whole tree; these two answers can.
 */
import { CloudFormationClient, DescribeStackResourceCommand, DescribeStacksCommand, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { PacedCalls } from '../shared/paced-calls';
import { Sleep } from '../shared/retry';

export interface StackView {
  /** The stack's status, e.g. UPDATE_COMPLETE_CLEANUP_IN_PROGRESS; undefined when the stack does not exist. */
  status(): Promise<string | undefined>;
  /**
   * The physical id the stack records for `logicalId`, and the resource's status (DELETE_IN_PROGRESS
   * while CloudFormation deletes it); undefined when the stack has no such resource.
   */
  liveResource(logicalId: string): Promise<LiveResource | undefined>;
  /** Physical ids of the stack's resources of `resourceType` that are not being deleted, by logical id. */
  liveResourcesOfType(resourceType: string): Promise<Map<string, string>>;
}

export interface LiveResource {
  readonly physicalId: string;
  /** e.g. UPDATE_COMPLETE, DELETE_IN_PROGRESS; undefined when not known. */
  readonly status?: string;
}

/** How the calls of one event are retried: until its deadline, like every other call. */
export interface StackViewPacing {
  readonly signal?: AbortSignal;
  readonly sleep: Sleep;
  readonly transientAttempts?: number;
}

/** Makes the view of one stack (by stack id) for one event. */
export type StackViewSource = (stackId: string, pacing: StackViewPacing) => StackView;

type CloudFormationAction = 'DescribeStacks' | 'DescribeStackResource' | 'ListStackResources';

/** StackViews answered by CloudFormation through `client`. */
export function cloudFormationStacks(client: CloudFormationClient): StackViewSource {
  return (stackId, pacing) => new CloudFormationStackView(client, stackId, new PacedCalls<CloudFormationAction>({ startRates: {}, ...pacing }));
}

/**
 * DescribeStacks and DescribeStackResource by stack id. A stack id (unlike a name) still
 * describes a deleted stack, as DELETE_COMPLETE; one that never existed is reported as missing.
 */
export class CloudFormationStackView implements StackView {
  constructor(
    private readonly client: CloudFormationClient,
    private readonly stackId: string,
    /** Unpaced (a few calls per Delete), but throttles and transient errors are retried. */
    private readonly calls: PacedCalls<CloudFormationAction>,
  ) {}

  public async status(): Promise<string | undefined> {
    const result = await this.unlessMissing(() => this.calls.call('DescribeStacks', (abortSignal) =>
      this.client.send(new DescribeStacksCommand({ StackName: this.stackId }), { abortSignal })));
    const status = result?.Stacks?.[0]?.StackStatus;
    return status === 'DELETE_COMPLETE' ? undefined : status;
  }

  public async liveResource(logicalId: string): Promise<LiveResource | undefined> {
    const result = await this.unlessMissing(() => this.calls.call('DescribeStackResource', (abortSignal) =>
      this.client.send(new DescribeStackResourceCommand({ StackName: this.stackId, LogicalResourceId: logicalId }), { abortSignal })));
    const detail = result?.StackResourceDetail;
    return detail?.PhysicalResourceId ? { physicalId: detail.PhysicalResourceId, status: detail.ResourceStatus } : undefined;
  }

  public async liveResourcesOfType(resourceType: string): Promise<Map<string, string>> {
    const live = new Map<string, string>();
    let token: string | undefined;
    do {
      const page = await this.calls.call('ListStackResources', (abortSignal) =>
        this.client.send(new ListStackResourcesCommand({ StackName: this.stackId, NextToken: token }), { abortSignal }));
      for (const r of page.StackResourceSummaries ?? []) {
        if (r.ResourceType === resourceType && r.PhysicalResourceId && !r.ResourceStatus?.startsWith('DELETE_')) {
          live.set(r.LogicalResourceId!, r.PhysicalResourceId);
        }
      }
      token = page.NextToken;
    } while (token);
    return live;
  }

  /** CloudFormation reports a missing stack or resource as a ValidationError saying it does not exist. */
  private async unlessMissing<T>(call: () => Promise<T>): Promise<T | undefined> {
    try {
      return await call();
    } catch (error) {
      const { name, message } = error as Error;
      if (name === 'ValidationError' && /does not exist/.test(message ?? '')) return undefined;
      throw error;
    }
  }
}
