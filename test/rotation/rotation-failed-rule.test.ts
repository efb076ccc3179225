import { CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { externalEndpoint, stackWithVpc } from './fixtures';
import { DatabaseEngine, DatabaseTarget, RotatingDbSecret } from '../../src/rotation';
import { describeWithServices } from '../support/services';

/**
 * The rule's event pattern, run through moto's EventBridge matcher: events are put on the default
 * bus and whatever the rule matches lands in an SQS queue. The events follow the shape of the
 * CloudTrail service events Secrets Manager documents for rotation.
 */

const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:shop/app-AbCdEf';
const OTHER_SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:shop/other-GhIjKl';

/** Calls an AWS JSON-protocol API of the emulator (it checks no signature, only the service scope). */
async function awsJson(service: string, target: string, jsonVersion: string, body: object): Promise<any> {
  const response = await fetch(process.env.AWS_ENDPOINT_URL!, {
    method: 'POST',
    headers: {
      'Content-Type': `application/x-amz-json-${jsonVersion}`,
      'X-Amz-Target': target,
      'Authorization': `AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=00`,
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${target} failed with ${response.status}: ${text}`);
  return text ? JSON.parse(text) : {};
}

/** The synthesized pattern of the construct's rule, with the secret's ARN filled in. */
function synthesizedPattern(): object {
  const { stack, vpc } = stackWithVpc();
  const rotating = new RotatingDbSecret(stack, 'AppUser', {
    target: DatabaseTarget.endpoint(externalEndpoint(stack, vpc)),
    engine: DatabaseEngine.MARIADB,
    username: 'app',
    databaseName: 'shop',
  });
  const secretId = stack.getLogicalId(rotating.secret.node.defaultChild as CfnElement);
  const rule = Object.values(Template.fromStack(stack).findResources('AWS::Events::Rule'))[0] as any;
  return JSON.parse(JSON.stringify(rule.Properties.EventPattern).replace(JSON.stringify({ Ref: secretId }), JSON.stringify(SECRET_ARN)));
}

function serviceEvent(eventName: string, secretArn: string) {
  return {
    Source: 'aws.secretsmanager',
    DetailType: 'AWS Service Event via CloudTrail',
    Detail: JSON.stringify({
      eventVersion: '1.08',
      userIdentity: { accountId: '123456789012', invokedBy: 'secretsmanager.amazonaws.com' },
      eventTime: '2026-01-01T00:00:00Z',
      eventSource: 'secretsmanager.amazonaws.com',
      eventName,
      awsRegion: 'us-east-1',
      sourceIPAddress: 'secretsmanager.amazonaws.com',
      userAgent: 'secretsmanager.amazonaws.com',
      requestParameters: null,
      responseElements: null,
      additionalEventData: { SecretId: secretArn },
      eventType: 'AwsServiceEvent',
      managementEvent: true,
      recipientAccountId: '123456789012',
    }),
  };
}

describeWithServices(['moto'], 'the RotationFailed rule against an EventBridge emulator', () => {
  const suffix = `${Date.now()}${Math.floor(Math.random() * 1e6)}`;
  const ruleName = `rotation-failed-${suffix}`;
  const queueName = `rotation-failed-${suffix}`;
  let queueUrl: string;

  beforeAll(async () => {
    queueUrl = (await awsJson('sqs', 'AmazonSQS.CreateQueue', '1.0', { QueueName: queueName })).QueueUrl;
    await awsJson('events', 'AWSEvents.PutRule', '1.1', { Name: ruleName, EventPattern: JSON.stringify(synthesizedPattern()) });
    await awsJson('events', 'AWSEvents.PutTargets', '1.1', {
      Rule: ruleName,
      Targets: [{ Id: 'queue', Arn: `arn:aws:sqs:us-east-1:123456789012:${queueName}` }],
    });
  });

  afterAll(async () => {
    await awsJson('events', 'AWSEvents.RemoveTargets', '1.1', { Rule: ruleName, Ids: ['queue'] });
    await awsJson('events', 'AWSEvents.DeleteRule', '1.1', { Name: ruleName });
    await awsJson('sqs', 'AmazonSQS.DeleteQueue', '1.0', { QueueUrl: queueUrl });
  });

  async function delivered(): Promise<Array<{ eventName: string; secretId: string }>> {
    const received = await awsJson('sqs', 'AmazonSQS.ReceiveMessage', '1.0', { QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 });
    return (received.Messages ?? []).map((message: { Body: string }) => {
      const event = JSON.parse(message.Body);
      return { eventName: event.detail.eventName, secretId: event.detail.additionalEventData.SecretId };
    });
  }

  test("matches a failed rotation of this secret, and neither other events nor other secrets' failures", async () => {
    // GIVEN
    const entries = [
      serviceEvent('RotationStarted', SECRET_ARN),
      serviceEvent('RotationSucceeded', SECRET_ARN),
      serviceEvent('RotationFailed', OTHER_SECRET_ARN),
      serviceEvent('RotationFailed', SECRET_ARN),
    ];

    // WHEN
    const put = await awsJson('events', 'AWSEvents.PutEvents', '1.1', { Entries: entries });

    // THEN
    expect(put.FailedEntryCount).toBe(0);
    expect(await delivered()).toEqual([{ eventName: 'RotationFailed', secretId: SECRET_ARN }]);
  });
});
