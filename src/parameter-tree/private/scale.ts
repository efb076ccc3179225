/**
 * What cannot deploy however the tree is written: more parameters than Parameter Store holds in
 * one account and Region, and a first deployment longer than CloudFormation waits (the reconciler
 * continues across Lambda invocations, so one invocation's 15 minutes is only a warning).
 * The estimates count only the writes a Create cannot avoid, at the throughput the tree was told:
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
  const tps = PARAMETER_STORE_TPS[tree.throughput];
  return Math.max(total(tree) / tps.PutParameter, tree.labelled / tps.LabelParameterVersion);
}

function describeWrites(tree: TreeScale): string {
  const tps = PARAMETER_STORE_TPS[tree.throughput];
  const seconds = Math.ceil(firstDeploymentSeconds(tree));
  return `the tree '${tree.path}' (${tree.nodePath}) makes ${count(total(tree))} PutParameter calls ` +
    `(${tps.PutParameter} per second at the '${tree.throughput}' throughput) and ${count(tree.labelled)} LabelParameterVersion calls ` +
    `(${tps.LabelParameterVersion} per second) when it is first deployed: at least ${count(seconds)} s (${(seconds / 60).toFixed(0)} min)`;
}

const minutes = (seconds: number) => seconds / 60;

/**
 * A first deployment longer than one custom-resource operation cannot succeed, however many
 * invocations the reconciler continues across: an error.
 */
export function deploymentTimeProblem(tree: TreeScale): string | undefined {
  if (firstDeploymentSeconds(tree) <= CUSTOM_RESOURCE_OPERATION_SECONDS) return undefined;
  return `${describeWrites(tree)}, beyond the ${minutes(CUSTOM_RESOURCE_OPERATION_SECONDS)} minutes CloudFormation waits for one custom-resource operation, ` +
    'however many invocations the reconciler continues across. ' +
    'Split the parameters over several trees (each its own path), or use ParameterStoreThroughput.HIGHER if the account has that setting.';
}

/**
 * A first deployment longer than one reconciler invocation: it deploys, continuing across
 * invocations, but close enough to the operation's limit that the message says what happens.
 */
export function deploymentTimeWarning(tree: TreeScale): string | undefined {
  const seconds = firstDeploymentSeconds(tree);
  if (seconds <= RECONCILER_INVOCATION_SECONDS || seconds > CUSTOM_RESOURCE_OPERATION_SECONDS) return undefined;
  return `${describeWrites(tree)}, beyond one reconciler invocation (${minutes(RECONCILER_INVOCATION_SECONDS)} minutes). ` +
    `The reconciler continues in further invocations of itself (at least ${Math.ceil(seconds / RECONCILER_INVOCATION_SECONDS)} in all) and answers CloudFormation once, when done, ` +
    `if that is within ${minutes(RECONCILER_OPERATION_SECONDS)} minutes of the operation's start (CloudFormation waits ${minutes(CUSTOM_RESOURCE_OPERATION_SECONDS)}; ` +
    "the rest is kept for Lambda's queue and the answer). Reads, retries and other writers of the account add to this estimate: " +
    'a deployment unfinished by then fails, naming what was written, and CloudFormation rolls back. ' +
    'Under RemovalPolicy.RETAIN what was written stays and the next deployment continues from it; under DESTROY the rollback deletes it. ' +
    'To keep a margin, split the parameters over several trees, or use ParameterStoreThroughput.HIGHER if the account has that setting.';
}
