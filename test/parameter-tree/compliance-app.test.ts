/**
 * The compliance tier for SecureParameterTree: an app with a tree of every value kind and a read
 * grant to a Lambda function, checked with cfn-lint and the five cdk-nag packs, and scanned for a
 * canary secret that was handed to it as KMS ciphertext.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CreateKeyCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { ParameterValue, SecureParameterTree } from '../../src/parameter-tree';
import { acknowledgements, cfnLint, filesContaining, nagErrors, templatesIn } from '../support/compliance';
import { describeWithServices } from '../support/services';

const CANARY = 'CANARY-tree-app-3f9e21';
/** Not a secret: the unsafe API exists, so the app shows it, with a value that may be seen. */
const VISIBLE_LITERAL = 'not-a-secret-shown-in-the-template';

const CONSUMER_REASON =
  'Stand-in consumer of the test app, not a resource of the library: its dead-letter queue, reserved '
  + 'concurrency, VPC placement and tracing are decisions of the application that owns it.';

/** A tree of every kind, read by a Lambda function through grantRead. */
function buildApp(outdir: string, ciphertext: string, ciphertextKeyArn: string): { app: App; stack: Stack } {
  const app = new App({ outdir });
  const stack = new Stack(app, 'TreeApp', { env: { account: '111122223333', region: 'eu-west-1' } });
  const tree = new SecureParameterTree(stack, 'Config', {
    path: '/shop/prod',
    parameters: {
      'db/host': ParameterValue.string('db.example.com'),
      'cors/origins': ParameterValue.stringList(['https://a.example', 'https://b.example']),
      'api/jwt-secret': ParameterValue.generatedSecret({ length: 48 }),
      'payments/api-key': ParameterValue.placeholderSecret(),
      'legacy/token': ParameterValue.encryptedSecret(ciphertext, { key: kms.Key.fromKeyArn(stack, 'TeamKey', ciphertextKeyArn) }),
      'legacy/visible': ParameterValue.unsafePlainTextSecret(VISIBLE_LITERAL),
    },
  });

  const role = new iam.Role(stack, 'ConsumerRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  const logGroup = new logs.LogGroup(stack, 'ConsumerLogs', { retention: logs.RetentionDays.ONE_YEAR, encryptionKey: tree.encryptionKey });
  const basePolicy = new iam.ManagedPolicy(stack, 'ConsumerLogging', {
    roles: [role],
    statements: [new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] })],
  });
  const consumer = new lambda.Function(stack, 'Consumer', {
    runtime: lambda.Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({ statusCode: 200 });'),
    role: iam.Role.fromRoleArn(stack, 'ConsumerRoleReference', role.roleArn, { mutable: false }),
    logGroup,
    memorySize: 256,
    timeout: Duration.seconds(10),
  });
  consumer.node.addDependency(basePolicy);
  tree.grantRead(role);
  for (const id of ['HIPAA.Security-LambdaDLQ', 'NIST.800.53.R5-LambdaDLQ', 'Serverless-LambdaDLQ',
    'HIPAA.Security-LambdaConcurrency', 'NIST.800.53.R5-LambdaConcurrency',
    'HIPAA.Security-LambdaInsideVPC', 'NIST.800.53.R5-LambdaInsideVPC', 'PCI.DSS.321-LambdaInsideVPC', 'Serverless-LambdaTracing']) {
    Validations.of(consumer).acknowledge({ id, reason: CONSUMER_REASON });
  }
  return { app, stack };
}

describeWithServices(['moto', 'cfn-lint'], 'SecureParameterTree test app (every kind, Lambda grant)', () => {
  let outdir: string;
  let ciphertext: string;
  let app: App;
  let stack: Stack;

  beforeAll(async () => {
    const kmsClient = new KMSClient({});
    const keyArn = (await kmsClient.send(new CreateKeyCommand({ Description: 'the team key that encrypted the legacy token' }))).KeyMetadata!.Arn!;
    ciphertext = Buffer.from((await kmsClient.send(new EncryptCommand({ KeyId: keyArn, Plaintext: Buffer.from(CANARY) }))).CiphertextBlob!).toString('base64');
    outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'tree-app-'));
    ({ app, stack } = buildApp(outdir, ciphertext, keyArn));
    app.synth();
  });

  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

  test('the canary secret is nowhere in cdk.out; its ciphertext is in the tree manifest only', () => {
    expect(filesContaining(outdir, CANARY)).toEqual([]);
    expect(filesContaining(outdir, ciphertext).map((file) => path.basename(file))).toEqual([expect.stringMatching(/^asset\.[0-9a-f]{64}\.cdk-secure-config-[0-9a-f]{16}$/)]);
  });

  test('the unsafe literal is announced by a synth warning naming the parameter', () => {
    Annotations.fromStack(stack).hasWarning('/TreeApp/Config', Match.stringLikeRegexp('legacy/visible'));
  });

  test('cfn-lint finds nothing', () => {
    expect(cfnLint(templatesIn(outdir))).toEqual({ exitCode: 0, output: '' });
  });

  test('the five cdk-nag packs leave no unacknowledged error', () => {
    expect(nagErrors(app)).toEqual([]);
  });

  test('acknowledges only what cannot apply: the list is fixed here', () => {
    const acknowledged = acknowledgements(app).map(({ path: at, rule }) => `${at} ${rule}`);
    const ssmArn = (name: string) => `arn:<AWS::Partition>:ssm:eu-west-1:111122223333:parameter${name}`;
    const reconciler = 'TreeApp/Config/Reconciler/Function';
    expect(acknowledged).toEqual([
      ...['HIPAA.Security-LambdaConcurrency', 'HIPAA.Security-LambdaDLQ', 'HIPAA.Security-LambdaInsideVPC',
        'NIST.800.53.R5-LambdaConcurrency', 'NIST.800.53.R5-LambdaDLQ', 'NIST.800.53.R5-LambdaInsideVPC',
        'PCI.DSS.321-LambdaInsideVPC', 'Serverless-LambdaDLQ'].map((rule) => `${reconciler} ${rule}`),
      'TreeApp/Config/Reconciler/Policy AwsSolutions-IAM5[Resource::*]',
      // Keys through SSM for the path, and the manifest's bucket key through S3.
      'TreeApp/Config/Reconciler/Policy AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kms:eu-west-1:111122223333:key/*]',
      // The stack's tree manifests: an Update reads the previous one, a rollback the one it deploys again.
      expect.stringMatching(/^TreeApp\/Config\/Reconciler\/Policy AwsSolutions-IAM5\[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-111122223333-eu-west-1\/\*\.cdk-secure-config-[0-9a-f]{16}\]$/),
      `TreeApp/Config/Reconciler/Policy AwsSolutions-IAM5[Resource::${ssmArn('/shop/prod/*')}]`,
      ...['HIPAA.Security-LambdaConcurrency', 'HIPAA.Security-LambdaDLQ', 'HIPAA.Security-LambdaInsideVPC',
        'NIST.800.53.R5-LambdaConcurrency', 'NIST.800.53.R5-LambdaDLQ', 'NIST.800.53.R5-LambdaInsideVPC',
        'PCI.DSS.321-LambdaInsideVPC', 'Serverless-LambdaDLQ', 'Serverless-LambdaTracing'].map((rule) => `TreeApp/Consumer ${rule}`),
      `TreeApp/ConsumerRole/SecureConfigReadPolicy AwsSolutions-IAM5[Resource::${ssmArn('/shop/prod/*')}]`,
    ]);
  });
});
