/**
 * The audited clients build the request IAM would see from moto_server's state: the tags a
 * parameter carries, the tags and Overwrite flag a request sends, the KMS call Parameter Store
 * makes for a SecureString.
 */
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { AddTagsToResourceCommand, DeleteParametersCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { IamAudit } from './iam-audit';
import { PolicyDocument } from './policy-evaluator';
import { describeWithServices } from './services';
import { uniquePath } from '../lambda-handlers/parameter-tree/harness';

const ALLOW_NOTHING: PolicyDocument = { Statement: [] };

describeWithServices(['moto'], 'the IAM audit of SDK calls', () => {
  const scope = { partition: 'aws', region: 'us-east-1', account: '123456789012', urlSuffix: 'amazonaws.com', conditionTagKeys: ['owner'] };

  test('records each request a call needs, with the tags the parameter carries and the request sends', async () => {
    // GIVEN a SecureString created through an unaudited path, tagged owner=a
    const keyArn = (await new KMSClient({}).send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
    const name = `${uniquePath('audit-self')}/x`;
    const audit = new IamAudit({ ...scope, policy: ALLOW_NOTHING });
    const ssm = audit.ssmClient();

    // WHEN
    await ssm.send(new PutParameterCommand({ Name: name, Value: 'v', Type: 'SecureString', KeyId: keyArn, Overwrite: false, Tags: [{ Key: 'owner', Value: 'a' }] }));
    await ssm.send(new AddTagsToResourceCommand({ ResourceType: 'Parameter', ResourceId: name, Tags: [{ Key: 'owner', Value: 'b' }] }));
    await ssm.send(new DeleteParametersCommand({ Names: [name] }));

    // THEN
    const arn = `arn:aws:ssm:us-east-1:123456789012:parameter${name}`;
    expect(audit.refusals).toEqual([
      { command: 'PutParameterCommand', request: { action: 'ssm:PutParameter', resource: arn, context: { 'ssm:Overwrite': 'false', 'aws:RequestTag/owner': 'a' } } },
      { command: 'PutParameterCommand', request: { action: 'ssm:AddTagsToResource', resource: arn, context: { 'aws:RequestTag/owner': 'a' } } },
      {
        command: 'PutParameterCommand',
        request: {
          action: 'kms:Encrypt',
          resource: keyArn,
          context: { 'kms:ViaService': 'ssm.us-east-1.amazonaws.com', 'kms:EncryptionContext:PARAMETER_ARN': arn, 'kms:EncryptionContextKeys': 'PARAMETER_ARN' },
        },
      },
      { command: 'AddTagsToResourceCommand', request: { action: 'ssm:AddTagsToResource', resource: arn, context: { 'aws:ResourceTag/owner': 'a', 'aws:RequestTag/owner': 'b' } } },
      { command: 'DeleteParametersCommand', request: { action: 'ssm:DeleteParameters', resource: arn, context: { 'aws:ResourceTag/owner': 'b' } } },
    ]);
  });

  test('lets a call the policy allows through without a refusal', async () => {
    const name = `${uniquePath('audit-self')}/y`;
    const policy: PolicyDocument = {
      Statement: [{ Effect: 'Allow', Action: 'ssm:PutParameter', Resource: `arn:aws:ssm:us-east-1:123456789012:parameter${name}`, Condition: { StringEquals: { 'ssm:Overwrite': 'false' } } }],
    };
    const audit = new IamAudit({ ...scope, policy });
    await audit.ssmClient().send(new PutParameterCommand({ Name: name, Value: 'v', Type: 'String', Overwrite: false }));
    expect(audit.refusals).toEqual([]);
    expect(audit.evaluated).toEqual(new Map([['ssm:PutParameter', 1]]));
  });
});
