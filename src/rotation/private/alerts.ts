import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

/**
 * Secrets Manager records a failed rotation as the CloudTrail service event `RotationFailed`,
 * which EventBridge delivers with the detail type below and the secret's ARN in
 * `additionalEventData.SecretId`.
 */
export const ROTATION_FAILED_PATTERN = {
  source: 'aws.secretsmanager',
  detailType: 'AWS Service Event via CloudTrail',
  eventSource: 'secretsmanager.amazonaws.com',
  eventName: 'RotationFailed',
} as const;

/** A rule without targets matching failed rotations of `secret`; users add their targets. */
export function rotationFailedRule(scope: Construct, id: string, secret: secretsmanager.ISecret): events.Rule {
  return new events.Rule(scope, id, {
    description: `Failed rotations of the database secret ${scope.node.path}`,
    eventPattern: {
      source: [ROTATION_FAILED_PATTERN.source],
      detailType: [ROTATION_FAILED_PATTERN.detailType],
      detail: {
        eventSource: [ROTATION_FAILED_PATTERN.eventSource],
        eventName: [ROTATION_FAILED_PATTERN.eventName],
        additionalEventData: { SecretId: [secret.secretArn] },
      },
    },
  });
}

/**
 * An alarm without actions on any error of the rotation function. It fires even where CloudTrail
 * events do not reach EventBridge, and also for a step that fails and succeeds on retry.
 */
export function rotationErrorsAlarm(scope: Construct, id: string, fn: lambda.IFunction): cloudwatch.Alarm {
  return new cloudwatch.Alarm(scope, id, {
    alarmDescription: `A rotation step of the database secret ${scope.node.path} failed`,
    metric: fn.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
    threshold: 1,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
}
