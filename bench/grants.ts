/**
 * Section 5: what a ReadOnlyConfigGrant puts into IAM for 1, 10 and 50 granted subtrees, beside
 * the same access granted per subtree with `tree.grantRead(fn, subtree)` and the baseline of
 * aws-cdk-lib's own `ssm.StringParameter.fromStringParameterName(...).grantRead(fn)`, all measured
 * in the same run (in-process synth, nothing deployed).
 *
 * Policy sizes are counted as IAM counts them (JSON without whitespace) on the synthesized
 * PolicyDocument with every deploy-time value substituted by a concrete one: partition `aws`,
 * region `us-east-1`, account 123456789012, URL suffix `amazonaws.com`, a KMS key ARN of the real
 * format. The construct's own estimate (every deploy-time value at its longest) is shown beside it.
 */
import { App, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { BenchRow, ratio } from './stats';
import { ConfigConsumer, ReadOnlyConfigGrant } from '../src/grants';
import { chunkStatements, packIntoChunks } from '../src/grants/private/policy';
import { ParameterValue, SecureParameterTree } from '../src/parameter-tree';
import { estimatedPolicySize, MANAGED_POLICIES_PER_IDENTITY, MANAGED_POLICY_MAX_CHARS } from '../src/private/policy-size';

const SECTION = '5 grants';
const TREE_PATH = '/bench/grants';
const ACCOUNT = '123456789012';
const REGION = 'us-east-1';

type Variant = 'grant' | 'grantRead' | 'baseline';

interface PolicyFigures {
  readonly statements: number;
  readonly chars: number;
}

interface VariantFigures {
  /** Managed policies attached to the function's role by the variant. */
  readonly managed: PolicyFigures[];
  /** The role's inline DefaultPolicy, if any. */
  readonly inline?: PolicyFigures;
  readonly estimatedChars?: number[];
  readonly error?: string;
}

function subtreeName(index: number): string {
  return `svc${String(index).padStart(2, '0')}`;
}

function treeStack(subtreeCount: number) {
  const app = new App();
  const stack = new Stack(app, 'Grants', { env: { account: ACCOUNT, region: REGION } });
  const parameters: Record<string, ParameterValue> = {};
  for (let i = 0; i < subtreeCount; i++) parameters[`${subtreeName(i)}/x`] = ParameterValue.string(`value-${i}`);
  const tree = new SecureParameterTree(stack, 'Config', { path: TREE_PATH, parameters });
  const fn = new lambda.Function(stack, 'Fn', {
    runtime: lambda.Runtime.NODEJS_20_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => {};'),
  });
  return { app, stack, tree, fn };
}

/** Deploy-time values replaced by the concrete values of one account, as IAM would store them. */
function concrete(value: unknown, resourceTypes: Record<string, string>): unknown {
  if (Array.isArray(value)) return value.map((v) => concrete(v, resourceTypes));
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 1) {
      const [fn, args] = entries[0];
      if (fn === 'Ref') {
        const pseudo: Record<string, string> = {
          'AWS::Partition': 'aws', 'AWS::Region': REGION, 'AWS::AccountId': ACCOUNT, 'AWS::URLSuffix': 'amazonaws.com',
        };
        if (typeof args === 'string' && pseudo[args]) return pseudo[args];
        throw new Error(`no concrete value for Ref ${JSON.stringify(args)}`);
      }
      if (fn === 'Fn::Join') {
        const [separator, parts] = args as [string, unknown[]];
        return parts.map((p) => concrete(p, resourceTypes)).join(separator);
      }
      if (fn === 'Fn::GetAtt') {
        const [logicalId, attribute] = args as [string, string];
        if (resourceTypes[logicalId] === 'AWS::KMS::Key' && attribute === 'Arn') {
          return `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
        }
        throw new Error(`no concrete value for Fn::GetAtt ${logicalId}.${attribute} (${resourceTypes[logicalId]})`);
      }
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, concrete(v, resourceTypes)]));
  }
  return value;
}

function measure(variant: Variant, subtreeCount: number, treeSize: number): VariantFigures {
  const { app, stack, tree, fn } = treeStack(treeSize);
  const subtrees = Array.from({ length: subtreeCount }, (_, i) => subtreeName(i));
  let estimatedChars: number[] | undefined;
  try {
    if (variant === 'grant') {
      const access = subtrees.map((subtree) => ({ tree, subtree }));
      // The construct's own packing and estimate, on the same stack (read-only).
      estimatedChars = packIntoChunks(stack, access, [], false).map((chunk) => estimatedPolicySize(stack, chunkStatements(chunk)));
      new ReadOnlyConfigGrant(stack, 'Grant', { consumer: ConfigConsumer.lambdaFunction(fn), parameters: access });
    } else if (variant === 'grantRead') {
      subtrees.forEach((subtree) => tree.grantRead(fn, subtree));
    } else {
      subtrees.forEach((subtree, i) =>
        ssm.StringParameter.fromStringParameterName(stack, `Baseline${i}`, `${TREE_PATH}/${subtree}/x`).grantRead(fn));
    }
  } catch (err) {
    return { managed: [], estimatedChars, error: (err as Error).message.split('\n')[0] };
  }
  let template: { Resources: Record<string, { Type: string; Properties: Record<string, any> }> };
  try {
    template = app.synth().getStackByName(stack.stackName).template;
  } catch (err) {
    // Validations run at synth: a policy over IAM's limit is refused here, not at deploy.
    return { managed: [], estimatedChars, error: (err as Error).message.split('\n').find((line) => line.includes('characters')) ?? (err as Error).message.split('\n')[0] };
  }
  const resourceTypes = Object.fromEntries(Object.entries(template.Resources).map(([id, r]) => [id, r.Type]));
  const roleId = stack.getLogicalId(fn.role!.node.defaultChild as any);
  const onRole = (props: Record<string, any>) =>
    (props.Roles ?? []).some((role: unknown) => JSON.stringify(role) === JSON.stringify({ Ref: roleId }));
  const figures = (document: { Statement: unknown[] }): PolicyFigures => ({
    statements: document.Statement.length,
    chars: JSON.stringify(concrete(document, resourceTypes)).length,
  });
  const managed = Object.values(template.Resources)
    .filter((r) => r.Type === 'AWS::IAM::ManagedPolicy' && onRole(r.Properties))
    .map((r) => figures(r.Properties.PolicyDocument));
  const inlinePolicy = Object.values(template.Resources).find((r) => r.Type === 'AWS::IAM::Policy' && onRole(r.Properties));
  return { managed, inline: inlinePolicy ? figures(inlinePolicy.Properties.PolicyDocument) : undefined, estimatedChars };
}

function total(policies: PolicyFigures[], key: keyof PolicyFigures): number {
  return policies.reduce((sum, p) => sum + p[key], 0);
}

function percentOfLimit(chars: number, limit: number): string {
  return `${((chars / limit) * 100).toFixed(0)}%`;
}

/** The largest number of subtrees one grant takes before it needs more managed policies than IAM attaches. */
function largestGrant(): { subtrees: number; perPolicy: number } {
  const probeSize = 400;
  const { stack, tree } = treeStack(probeSize);
  const chunksFor = (n: number) =>
    packIntoChunks(stack, Array.from({ length: n }, (_, i) => ({ tree, subtree: subtreeName(i) })), [], false);
  const perPolicy = chunksFor(probeSize)[0].subtrees.length;
  let low = 1;
  let high = probeSize;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (chunksFor(middle).length <= MANAGED_POLICIES_PER_IDENTITY) low = middle;
    else high = middle - 1;
  }
  return { subtrees: low, perPolicy };
}

export function grantRows(counts: number[]): BenchRow[] {
  const rows: BenchRow[] = [];
  const treeSize = Math.max(...counts);
  for (const count of counts) {
    const caseName = `${count} subtree${count === 1 ? '' : 's'}`;
    const grant = measure('grant', count, treeSize);
    const grantRead = measure('grantRead', count, treeSize);
    const baseline = measure('baseline', count, treeSize);
    // aws-cdk-lib spills what does not fit the role's inline DefaultPolicy into OverflowPolicy managed policies.
    const baselineParts = [...(baseline.inline ? [baseline.inline] : []), ...baseline.managed];
    const baselinePolicy: PolicyFigures | undefined = baselineParts.length
      ? { statements: total(baselineParts, 'statements'), chars: total(baselineParts, 'chars') }
      : undefined;
    const baselineNote = baselinePolicy
      ? `baseline (ssm.StringParameter.fromStringParameterName().grantRead per subtree's parameter): ${baselinePolicy.statements} statements, ` +
        `${baselinePolicy.chars} chars: inline DefaultPolicy ${baseline.inline?.statements ?? 0} statements, ${baseline.inline?.chars ?? 0} chars` +
        (baseline.managed.length
          ? ` + ${baseline.managed.length} OverflowPolicy managed (${baseline.managed.map((p) => `${p.statements} statements, ${p.chars} chars`).join('; ')})`
          : '') +
        '; one statement per parameter, 4 ssm actions, no kms:Decrypt (a String parameter needs none)'
      : `baseline: ${baseline.error ?? 'no policy'}`;

    if (grant.error) {
      rows.push({ section: SECTION, case: caseName, metric: 'ReadOnlyConfigGrant', value: 'fails at synth', note: grant.error });
    } else {
      const grantChars = total(grant.managed, 'chars');
      const largest = Math.max(...grant.managed.map((p) => p.chars));
      rows.push({
        section: SECTION,
        case: caseName,
        metric: 'ReadOnlyConfigGrant: managed policies',
        value: String(grant.managed.length),
        note: `statements per policy: ${grant.managed.map((p) => p.statements).join(', ')}` +
          (grant.managed.length > 1 ? '; split over several managed policies, each under the limit' : ''),
      });
      rows.push({
        section: SECTION,
        case: caseName,
        metric: 'ReadOnlyConfigGrant: statements (all policies)',
        value: String(total(grant.managed, 'statements')),
        vsBaseline: ratio(total(grant.managed, 'statements'), baselinePolicy?.statements),
        note: baselineNote,
      });
      rows.push({
        section: SECTION,
        case: caseName,
        metric: 'ReadOnlyConfigGrant: policy chars as deployed (all policies)',
        value: String(grantChars),
        vsBaseline: ratio(grantChars, baselinePolicy?.chars),
        note: `per policy: ${grant.managed.map((p) => p.chars).join(', ')}; largest ${percentOfLimit(largest, MANAGED_POLICY_MAX_CHARS)} of ` +
          `${MANAGED_POLICY_MAX_CHARS.toLocaleString('en-US')}; construct's worst-case estimate per policy: ${grant.estimatedChars?.join(', ')}`,
      });
    }
    if (grantRead.error) {
      rows.push({ section: SECTION, case: caseName, metric: 'tree.grantRead per subtree', value: 'fails at synth', note: grantRead.error });
    } else {
      const chars = total(grantRead.managed, 'chars');
      rows.push({
        section: SECTION,
        case: caseName,
        metric: 'tree.grantRead per subtree: policy chars as deployed',
        value: String(chars + (grantRead.inline?.chars ?? 0)),
        vsBaseline: ratio(chars + (grantRead.inline?.chars ?? 0), baselinePolicy?.chars),
        note: `${grantRead.managed.length} managed ${grantRead.managed.length === 1 ? 'policy' : 'policies'} ` +
          `(${grantRead.managed.map((p) => `${p.statements} statements, ${p.chars} chars`).join('; ')}), ` +
          `${grantRead.inline ? `inline ${grantRead.inline.statements} statements, ${grantRead.inline.chars} chars` : 'no inline policy'}` +
          (grantRead.managed.some((p) => p.chars > MANAGED_POLICY_MAX_CHARS) ? `; over the ${MANAGED_POLICY_MAX_CHARS}-char limit: would fail at deploy` : ''),
      });
    }
  }
  const limit = largestGrant();
  rows.push({
    section: SECTION,
    case: 'limit',
    metric: 'most subtrees in one ReadOnlyConfigGrant',
    value: String(limit.subtrees),
    note: `about ${limit.perPolicy} subtrees of this tree fit one ${MANAGED_POLICY_MAX_CHARS}-char managed policy (construct's worst-case estimate); ` +
      `beyond that the grant splits over several managed policies, and needing more than ${MANAGED_POLICIES_PER_IDENTITY} fails at synth ` +
      '(the role\'s other managed policies count against the same quota at deploy)',
  });
  return rows;
}
