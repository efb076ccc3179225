/**
 * What cannot deploy however the tree is written (more parameters than Parameter Store holds in
 * one account and Region), and what deploys but slowly: a first deployment longer than one Lambda
 * invocation (the reconciler continues across invocations), or longer than one custom-resource
 * operation should take (the tree is split into segments, see segments.ts). The estimates count only the writes a Create cannot avoid, at the throughput the tree was told:
 * a lower bound, since reads, retries and other writers of the account come on top.
 */
import { Token } from 'aws-cdk-lib';
import { PARAMETER_STORE_TPS, ParameterStoreThroughputName, ParameterTierName } from './contract';

/** Parameter Store's parameters per account and Region, by tier (Intelligent-Tiering picks one of these). */
export const PARAMETERS_PER_ACCOUNT_AND_REGION = { Standard: 10_000, Advanced: 100_000 } as const;
/** CloudFormation waits this long for one custom-resource operation. */
export const CUSTOM_RESOURCE_OPERATION_SECONDS = 60 * 60;
/**
 * What the reconciler uses of that hour, continuing across invocations: the rest covers the
 * asynchronous queue before each invocation and the answer (the handler's OPERATION_LIMIT_MS
 * less OPERATION_MARGIN_MS, lambda-handlers/shared/continuation.ts).
 */
export const RECONCILER_OPERATION_SECONDS = 55 * 60;
/** One reconciler invocation: the function's timeout (see TreeReconciler). */
export const RECONCILER_INVOCATION_SECONDS = 15 * 60;

/** What the checks need to know of a tree. */
export interface TreeScale {
  /** The construct path, to name the tree in a message. */
  readonly nodePath: string;
  readonly path: string;
  /** Account and region of its stack, as strings (tokens compare equal for env-agnostic stacks). */
  readonly environment: string;
  readonly throughput: ParameterStoreThroughputName;
  /** Parameters by effective tier. */
  readonly tiers: Readonly<Record<ParameterTierName, number>>;
  /** Parameters whose Create also labels the version (generated, encrypted, literal secrets). */
  readonly labelled: number;
}

function total(tree: TreeScale): number {
  return tree.tiers.Standard + tree.tiers.Advanced + tree.tiers['Intelligent-Tiering'];
}

const count = (n: number) => n.toLocaleString('en-US');

/**
 * The account and Region's limits across every tree of the app, reported once per environment
 * (by its first tree, in construct path order). Parameters made outside this app count too: the
 * figures are what this app alone needs.
 */
export function accountLimitProblems(tree: TreeScale, all: readonly TreeScale[]): string[] {
  const sameEnvironment = all.filter((other) => other.environment === tree.environment).sort((a, b) => a.nodePath.localeCompare(b.nodePath));
  if (sameEnvironment[0]?.nodePath !== tree.nodePath) return [];
  const where = Token.isUnresolved(tree.environment) ? 'the account and Region of an environment-agnostic stack' : `account and Region ${tree.environment}`;
  const problems: string[] = [];
  for (const tier of ['Standard', 'Advanced'] as const) {
    const needed = sameEnvironment.reduce((sum, other) => sum + other.tiers[tier], 0);
    const limit = PARAMETERS_PER_ACCOUNT_AND_REGION[tier];
    if (needed > limit) {
      problems.push(`the trees of this app hold ${count(needed)} ${tier}-tier parameters in ${where} ` +
        `(${sameEnvironment.map((other) => `${other.nodePath}: ${count(other.tiers[tier])}`).join(', ')}), ` +
        `and Parameter Store holds at most ${count(limit)} per account and Region. ` +
        (tier === 'Standard' ? 'Give some parameters the Advanced tier (charged), or spread the trees over accounts or Regions.' : 'Spread the trees over accounts or Regions.'));
    }
  }
  return problems;
}

/** Seconds the writes of a first deployment take at least: each quota paced on its own. */
export function firstDeploymentSeconds(tree: TreeScale): number {
  return writeSeconds(total(tree), tree.labelled, tree.throughput);
}

/** Seconds `parameters` creations take at least, `labelled` of them also labelled, at `throughput`. */
export function writeSeconds(parameters: number, labelled: number, throughput: ParameterStoreThroughputName): number {
  const tps = PARAMETER_STORE_TPS[throughput];
  return Math.max(parameters / tps.PutParameter, labelled / tps.LabelParameterVersion);
}

function describeWrites(tree: TreeScale): string {
  const tps = PARAMETER_STORE_TPS[tree.throughput];
  const seconds = Math.ceil(firstDeploymentSeconds(tree));
  return `the tree '${tree.path}' (${tree.nodePath}) makes ${count(total(tree))} PutParameter calls ` +
    `(${tps.PutParameter} per second at the '${tree.throughput}' throughput) and ${count(tree.labelled)} LabelParameterVersion calls ` +
    `(${tps.LabelParameterVersion} per second) when it is first deployed: at least ${count(seconds)} s (${(seconds / 60).toFixed(0)} min)`;
}

const minutes = (seconds: number) => seconds / 60;

/** How the tree is split for its first deployment (see segments.ts). */
export interface TreeSegments {
  readonly count: number;
  /** The largest segment's first-deployment estimate, in seconds. */
  readonly largestSeconds: number;
  /** The budget each segment is kept within, in seconds. */
  readonly budgetSeconds: number;
}

/**
 * A first deployment longer than one reconciler invocation: it deploys, continuing across
 * invocations, but the message says what happens. A tree split into segments says into how many,
 * and how long the stack's first deployment takes in all.
 */
export function deploymentTimeWarning(tree: TreeScale, segments: TreeSegments): string | undefined {
  const seconds = firstDeploymentSeconds(tree);
  if (segments.count > 1) return segmentedWarning(tree, segments);
  if (seconds <= RECONCILER_INVOCATION_SECONDS) return undefined;
  return `${describeWrites(tree)}, beyond one reconciler invocation (${minutes(RECONCILER_INVOCATION_SECONDS)} minutes). ` +
    `The reconciler continues in further invocations of itself (at least ${Math.ceil(seconds / RECONCILER_INVOCATION_SECONDS)} in all) and answers CloudFormation once, when done, ` +
    `if that is within ${minutes(RECONCILER_OPERATION_SECONDS)} minutes of the operation's start (CloudFormation waits ${minutes(CUSTOM_RESOURCE_OPERATION_SECONDS)}; ` +
    "the rest is kept for Lambda's queue and the answer). Reads, retries and other writers of the account add to this estimate: " +
    'a deployment unfinished by then fails, naming what was written, and CloudFormation rolls back. ' +
    'Under RemovalPolicy.RETAIN what was written stays and the next deployment continues from it; under DESTROY the rollback deletes it. ' +
    'To keep a margin, split the parameters over several trees, or use ParameterStoreThroughput.HIGHER if the account has that setting.';
}

function segmentedWarning(tree: TreeScale, segments: TreeSegments): string {
  const largest = Math.ceil(segments.largestSeconds);
  return `${describeWrites(tree)}, beyond the ${minutes(segments.budgetSeconds)} minutes one custom-resource operation of a tree may take ` +
    `(CloudFormation waits ${minutes(CUSTOM_RESOURCE_OPERATION_SECONDS)}). The tree is split into ${segments.count} custom resources (segments) ` +
    `that deploy one after another, the largest at least ${count(largest)} s (${(largest / 60).toFixed(0)} min): ` +
    `the stack's first deployment takes at least ${(Math.ceil(firstDeploymentSeconds(tree)) / 60).toFixed(0)} min for this tree. ` +
    'Each segment continues across reconciler invocations within its own hour. A change in the number of segments ' +
    '(the tree grows or shrinks past a multiple of the budget) reads the whole path once in every segment and writes nothing for the parameters that move. ' +
    'To deploy faster, use ParameterStoreThroughput.HIGHER if the account has that setting.';
}
