/**
 * The reconciler's policy against the calls its handler makes. moto_server does not enforce IAM,
 * so this is where a missing permission (a failed deployment) or a spare one (least privilege
 * lost) shows up: the SSM actions the policy allows are exactly the SSM commands in the handler.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { newStack } from './fixtures';
import { ParameterValue, SecureParameterTree } from '../../src/parameter-tree';

const HANDLER_DIRS = ['lambda-handlers/parameter-tree', 'lambda-handlers/shared'];
const ROOT = path.join(__dirname, '..', '..');

/** `<service>:<Action>` for every `<Action>Command` the handler imports from the given SDK client. */
function handlerActions(client: '@aws-sdk/client-ssm' | '@aws-sdk/client-kms' | '@aws-sdk/client-s3', service: string): string[] {
  const files = HANDLER_DIRS.flatMap((dir) => fs.readdirSync(path.join(ROOT, dir)).map((file) => path.join(ROOT, dir, file)))
    .concat(path.join(ROOT, 'lambda-handlers', 'parameter-tree-reconciler.lambda.ts'));
  const actions = new Set<string>();
  for (const file of files) {
    const source = fs.readFileSync(file, 'utf8');
    for (const [, names] of source.matchAll(new RegExp(`import \\{([^}]*)\\} from '${client}'`, 'g'))) {
      for (const [, action] of names.matchAll(/\b(\w+)Command\b/g)) actions.add(`${service}:${action}`);
    }
  }
  return [...actions].sort();
}

/** Every action of the tree's reconciler policy, with the statement that allows it. */
function reconcilerStatements(stack: Stack): Array<{ Action: string | string[]; Condition?: unknown }> {
  const policies = Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy', {
    Properties: { Description: 'Lets the cdk-secure-config reconciler manage the parameters under /app' },
  });
  return Object.values(policies).flatMap((policy) => policy.Properties.PolicyDocument.Statement);
}

function actionsOf(statement: { Action: string | string[] }): string[] {
  return [statement.Action].flat();
}

describe('the reconciler policy allows what the handler calls, and nothing more', () => {
  test('its SSM actions are exactly the SSM commands the handler sends', () => {
    // GIVEN
    const stack = newStack();
    new SecureParameterTree(stack, 'Config', { path: '/app', parameters: { x: ParameterValue.generatedSecret() } });

    // WHEN
    const allowed = reconcilerStatements(stack).flatMap(actionsOf).filter((action) => action.startsWith('ssm:'));

    // THEN
    const called = handlerActions('@aws-sdk/client-ssm', 'ssm');
    expect(called.length).toBeGreaterThan(5);
    expect([...new Set(allowed)].sort()).toEqual(called);
  });

  test('decrypts ciphertext itself (the only KMS call it makes) only when it carries no encryption context', () => {
    // GIVEN a tree with an encrypted secret under its own key
    const stack = newStack();
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    new SecureParameterTree(stack, 'Config', {
      path: '/app',
      encryptionKey: key,
      parameters: { token: ParameterValue.encryptedSecret('AQICAHhB', { key }) },
    });

    // WHEN
    const direct = reconcilerStatements(stack).filter((s) => actionsOf(s).includes('kms:Decrypt') && actionsOf(s).length === 1)
      .filter((s) => !JSON.stringify(s.Condition).includes('kms:EncryptionContext:aws:s3:arn'));

    // THEN Parameter Store's ciphertext, which always has the parameter's ARN as context, is out of reach
    expect(handlerActions('@aws-sdk/client-kms', 'kms')).toEqual(['kms:Decrypt']);
    expect(direct).toHaveLength(1);
    expect(direct[0].Condition).toEqual({ Null: { 'kms:EncryptionContextKeys': 'true' } });
  });

  test('its S3 actions are exactly the S3 commands the handler sends: reading the manifest object', () => {
    // GIVEN
    const stack = newStack();
    new SecureParameterTree(stack, 'Config', { path: '/app', parameters: { x: ParameterValue.generatedSecret() } });

    // WHEN
    const allowed = reconcilerStatements(stack).flatMap(actionsOf).filter((action) => action.startsWith('s3:'));

    // THEN
    expect(handlerActions('@aws-sdk/client-s3', 's3')).toEqual(['s3:GetObject']);
    expect(allowed).toEqual(['s3:GetObject']);
  });
});
