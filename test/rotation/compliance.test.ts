import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { DatabaseTarget, RotatingDbSecret, RotationStrategy } from '../../src/rotation';
import { acknowledgements, cfnLint, nagFindings, templatesIn } from '../support/compliance';
import { describeWithServices } from '../support/services';

/**
 * A user's app: a PostgreSQL instance in isolated subnets, a rotated application user, and the
 * alerting a user wires to the construct's rule and alarm.
 */
function rotationApp(outdir: string) {
  const app = new App({ outdir });
  // Environment-agnostic, so that availability zones are not hard-coded (cfn-lint W3010).
  const stack = new Stack(app, 'RotationStack');
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    maxAzs: 2,
    natGateways: 0,
    subnetConfiguration: [{ name: 'data', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
    flowLogs: { all: { trafficType: ec2.FlowLogTrafficType.ALL } },
  });
  const database = new rds.DatabaseInstance(stack, 'Database', {
    engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17_5 }),
    vpc,
    vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    instanceType: ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.MICRO),
    storageEncrypted: true,
    multiAz: true,
    deletionProtection: true,
    port: 5433,
    iamAuthentication: true,
    cloudwatchLogsExports: ['postgresql', 'upgrade'],
  });
  const rotating = new RotatingDbSecret(stack, 'AppUser', {
    target: DatabaseTarget.instance(database),
    username: 'app',
    databaseName: 'shop',
    strategy: RotationStrategy.ALTERNATING_USERS,
    masterSecret: database.secret!,
  });

  const alertsKey = new kms.Key(stack, 'AlertsKey', { enableKeyRotation: true });
  const alerts = new sns.Topic(stack, 'Alerts', { masterKey: alertsKey, enforceSSL: true });
  const deadLetters = new sqs.Queue(stack, 'AlertsDeadLetters', {
    encryption: sqs.QueueEncryption.KMS,
    encryptionMasterKey: alertsKey,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  Validations.of(deadLetters).acknowledge({ id: 'AwsSolutions-SQS3', reason: 'this queue is the dead-letter queue' });
  rotating.rotationFailedRule.addTarget(new targets.SnsTopic(alerts, { deadLetterQueue: deadLetters }));
  rotating.rotationErrorsAlarm.addAlarmAction(new cloudwatchActions.SnsAction(alerts));
  return { app, stack, rotating };
}

const outdirs: string[] = [];
function tempOutdir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rotation-compliance-'));
  outdirs.push(dir);
  return dir;
}
afterAll(() => outdirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

/** Paths of the resources RotatingDbSecret creates in the stack. */
function isRotationResource(constructPath: string): boolean {
  return constructPath.startsWith('RotationStack/AppUser/') || constructPath.startsWith('RotationStack/SecretsManagerEndpoint');
}

describe('compliance of a rotated RDS PostgreSQL user', () => {
  test('no cdk-nag pack reports an error on a resource RotatingDbSecret creates', () => {
    // GIVEN
    const { app } = rotationApp(tempOutdir());

    // WHEN
    const errors = nagFindings(app)
      .filter((finding) => finding.severity === 'error' && isRotationResource(finding.path))
      .map((finding) => `${finding.rule} at ${finding.path}: ${finding.description}`);

    // THEN
    expect(errors).toEqual([]);
  });

  test('acknowledges only the rules that cannot apply, each with its reason', () => {
    // GIVEN
    const { app } = rotationApp(tempOutdir());

    // WHEN
    const acknowledged = acknowledgements(app)
      .filter((ack) => isRotationResource(ack.path))
      .map((ack) => `${ack.path} ${ack.rule}`);

    // THEN
    const ingressRules = ['HIPAA.Security', 'NIST.800.53.R5', 'PCI.DSS.321']
      .flatMap((pack) => [`${pack}-EC2RestrictedCommonPorts`, `${pack}-EC2RestrictedSSH`])
      .sort()
      .map((rule) => `RotationStack/AppUser/DatabaseIngress ${rule}`);
    expect(acknowledged).toEqual([
      ...ingressRules,
      'RotationStack/AppUser/RotationFunction HIPAA.Security-LambdaConcurrency',
      'RotationStack/AppUser/RotationFunction HIPAA.Security-LambdaDLQ',
      'RotationStack/AppUser/RotationFunction NIST.800.53.R5-LambdaConcurrency',
      'RotationStack/AppUser/RotationFunction NIST.800.53.R5-LambdaDLQ',
      'RotationStack/AppUser/RotationFunction Serverless-LambdaDLQ',
      'RotationStack/AppUser/RotationPolicy AwsSolutions-IAM5[Resource::*]',
    ]);
    expect(acknowledgements(app).filter((ack) => isRotationResource(ack.path)).every((ack) => ack.reason.length > 40)).toBe(true);
  });
});

describeWithServices(['cfn-lint'], 'cfn-lint on a rotated RDS PostgreSQL user', () => {
  test('the synthesized template is clean', () => {
    // GIVEN
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'rotation-lint-'));
    try {
      const { app } = rotationApp(outdir);

      // WHEN
      const result = cfnLint(templatesIn(app.synth().directory));

      // THEN
      expect(result).toEqual({ exitCode: 0, output: '' });
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });
});
