import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { acknowledgements, cfnLint, filesContaining, nagErrors, templatesIn } from './compliance';
import { describeWithServices } from './services';

// The compliance checks must be able to fail, or a clean result proves nothing.
describe('compliance harness', () => {
  test('reports an inline policy with a wildcard as cdk-nag errors', () => {
    // GIVEN
    const app = new App();
    const stack = new Stack(app, 'Loose');
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:*'], resources: ['*'] }));

    // WHEN
    const errors = nagErrors(app);

    // THEN
    expect(errors.some((line) => line.startsWith('AwsSolutions-IAM5'))).toBe(true);
    expect(errors.some((line) => line.startsWith('HIPAA.Security-IAMNoInlinePolicy'))).toBe(true);
  });

  test('an acknowledgement silences its rule and is listed with its reason', () => {
    // GIVEN
    const app = new App();
    const stack = new Stack(app, 'Acked');
    const queue = new sqs.Queue(stack, 'Queue', { enforceSSL: true });
    Validations.of(queue).acknowledge({ id: 'AwsSolutions-SQS3', reason: 'this queue is a dead-letter queue' });

    // WHEN
    const errors = nagErrors(app);

    // THEN
    expect(errors.filter((line) => line.startsWith('AwsSolutions-SQS3'))).toEqual([]);
    expect(acknowledgements(app)).toEqual([
      { path: 'Acked/Queue', rule: 'AwsSolutions-SQS3', reason: 'this queue is a dead-letter queue' },
    ]);
  });

  test('finds a canary in any file of a directory tree', () => {
    // GIVEN
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'canary-'));
    fs.mkdirSync(path.join(dir, 'nested'));
    fs.writeFileSync(path.join(dir, 'nested', 'a.json'), '{"x":"before CANARY-123 after"}');
    fs.writeFileSync(path.join(dir, 'b.json'), '{}');

    // WHEN / THEN
    expect(filesContaining(dir, 'CANARY-123')).toEqual([path.join(dir, 'nested', 'a.json')]);
    expect(filesContaining(dir, 'CANARY-456')).toEqual([]);
  });
});

describeWithServices(['cfn-lint'], 'cfn-lint harness', () => {
  test('fails on an invalid template and passes a valid one', () => {
    // GIVEN
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lint-'));
    const bad = path.join(dir, 'Bad.template.json');
    fs.writeFileSync(bad, JSON.stringify({ Resources: { Q: { Type: 'AWS::SQS::Queue', Properties: { NoSuchProperty: 1 } } } }));
    const app = new App({ outdir: path.join(dir, 'out') });
    new sqs.Queue(new Stack(app, 'Good'), 'Queue');
    app.synth();

    // WHEN
    const badResult = cfnLint([bad]);
    const goodResult = cfnLint(templatesIn(path.join(dir, 'out')));

    // THEN
    expect(badResult.exitCode).not.toBe(0);
    expect(badResult.output).toContain('NoSuchProperty');
    expect(goodResult).toEqual({ exitCode: 0, output: '' });
  });
});
