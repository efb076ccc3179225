/**
 * What a tree's reconciler may do: the SSM calls its handler sends, each on what it touches and
 * under the conditions IAM offers, so that ownership (the owner tag) is enforced by IAM and not
 * only checked by the handler's code.
 *
 * Condition keys per action, as the Service Authorization Reference lists them for the
 * `parameter` resource type:
 * - GetParameter, GetParameters, GetParameterHistory, LabelParameterVersion,
 *   UnlabelParameterVersion, DeleteParameters: aws:ResourceTag;
 * - RemoveTagsFromResource: aws:ResourceTag, aws:TagKeys (no aws:RequestTag);
 * - AddTagsToResource: aws:RequestTag, aws:ResourceTag, aws:TagKeys;
 * - PutParameter: aws:RequestTag, aws:ResourceTag, aws:TagKeys, ssm:Overwrite, ssm:Policies,
 *   and AddTagsToResource as a dependent action when it creates with tags;
 * - ListTagsForResource: aws:ResourceTag (unused: the reconciler must read the owner of every
 *   parameter under its path, foreign ones included, to refuse them by name);
 * - DescribeParameters: no resource-level permission at all, so '*'.
 */
import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';
import { OWNER_TAG } from './contract';
import { ssmServiceName } from '../../private/service-names';

/** What the statements are about. */
export interface ReconciledTree {
  /** Any construct of the tree's stack (partition, region, account and stack id come from it). */
  readonly scope: IConstruct;
  /** `arn:<partition>:ssm:<region>:<account>:parameter<path>`. */
  readonly pathArn: string;
  /** The key the tree writes its SecureStrings with. */
  readonly keyArn: string;
  /** The owner tag value of the tree's parameters, `<treeId>@<path>`. */
  readonly owner: string;
  /** The owner tag value earlier versions wrote, `<stack name>/<logical id>`. */
  readonly legacyOwner: string;
}

const RESOURCE_OWNER = `aws:ResourceTag/${OWNER_TAG}`;
const REQUEST_OWNER = `aws:RequestTag/${OWNER_TAG}`;

/** Calls on parameters that already carry this tree's owner tag (or the legacy one). */
const OWNED_PARAMETER_ACTIONS = [
  'ssm:GetParameter',
  'ssm:GetParameters',
  'ssm:GetParameterHistory',
  // Overwrites only: a create is allowed by its own statement.
  'ssm:PutParameter',
  'ssm:LabelParameterVersion',
  'ssm:UnlabelParameterVersion',
  'ssm:RemoveTagsFromResource',
  'ssm:DeleteParameters',
];

/** The statements of the tree's reconciler, the ciphertext decrypts of `encryptedSecret` aside. */
export function reconcilerStatements(tree: ReconciledTree): iam.PolicyStatement[] {
  const stack = Stack.of(tree.scope);
  const parametersBelow = `${tree.pathArn}/*`;
  const owners = [tree.owner, tree.legacyOwner];
  const throughParameterStoreForThePath = {
    StringEquals: { 'kms:ViaService': ssmServiceName(tree.scope) },
    // Parameter Store passes the parameter's ARN as encryption context on every KMS call.
    StringLike: { 'kms:EncryptionContext:PARAMETER_ARN': parametersBelow },
  };
  return [
    new iam.PolicyStatement({
      sid: 'DescribeParameters',
      actions: ['ssm:DescribeParameters'],
      resources: ['*'],
    }),
    new iam.PolicyStatement({
      sid: 'ReadTagsUnderThePath',
      actions: ['ssm:ListTagsForResource'],
      resources: [parametersBelow],
    }),
    new iam.PolicyStatement({
      sid: 'ManageOwnedParameters',
      actions: OWNED_PARAMETER_ACTIONS,
      resources: [parametersBelow],
      conditions: { StringEquals: { [RESOURCE_OWNER]: owners } },
    }),
    new iam.PolicyStatement({
      // A parameter that does not exist has no tags: it is created with the owner tag, never
      // overwritten by this statement (the handler sends Overwrite=false explicitly).
      sid: 'CreateOwnedParameters',
      actions: ['ssm:PutParameter'],
      resources: [parametersBelow],
      conditions: { StringEquals: { 'ssm:Overwrite': 'false', [REQUEST_OWNER]: tree.owner } },
    }),
    new iam.PolicyStatement({
      // Syncing an owned parameter's tags, marking one no longer wanted, and claiming one that
      // carries the legacy owner: every AddTagsToResource call sends the owner tag.
      sid: 'TagOwnedParameters',
      actions: ['ssm:AddTagsToResource'],
      resources: [parametersBelow],
      conditions: { StringEquals: { [REQUEST_OWNER]: tree.owner, [RESOURCE_OWNER]: owners } },
    }),
    new iam.PolicyStatement({
      // PutParameter with tags (a create) and adoption tag a parameter that has no owner yet.
      // IAM cannot tell an adoption from a create: the handler adopts only with adoptExisting.
      sid: 'TagUnownedParameters',
      actions: ['ssm:AddTagsToResource'],
      resources: [parametersBelow],
      conditions: { StringEquals: { [REQUEST_OWNER]: tree.owner }, Null: { [RESOURCE_OWNER]: 'true' } },
    }),
    new iam.PolicyStatement({
      // Decrypt on the tree's key too: it may live in another account, out of the next statement's reach.
      sid: 'UseTheTreeKeyThroughParameterStore',
      actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey'],
      resources: [tree.keyArn],
      conditions: throughParameterStoreForThePath,
    }),
    new iam.PolicyStatement({
      // A SecureString of the path written with an earlier key (encryptionKey changed, or a
      // default key created anew) is read with that key to be written with the current one.
      sid: 'DecryptThePathWithAnyKeyThroughParameterStore',
      actions: ['kms:Decrypt'],
      resources: [stack.formatArn({ service: 'kms', resource: 'key', resourceName: '*', arnFormat: ArnFormat.SLASH_RESOURCE_NAME })],
      conditions: throughParameterStoreForThePath,
    }),
    new iam.PolicyStatement({
      // The Delete tells a cleanup after success, a rollback and a deletion apart by the stack's
      // status and the live generation, and finds a renamed tree among the stack's resources.
      sid: 'ReadTheOwnStack',
      actions: ['cloudformation:DescribeStacks', 'cloudformation:DescribeStackResource', 'cloudformation:ListStackResources'],
      resources: [stack.stackId],
    }),
  ];
}
