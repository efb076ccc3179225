import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { representativeStack } from './fixtures';
import { acknowledgements, cfnLint, nagErrors, templatesIn } from '../support/compliance';
import { describeWithServices } from '../support/services';
import { normaliseAssetHashes } from '../support/snapshots';

describe('SecureParameterTree representative stack', () => {
  test('synthesizes the template it did before', () => {
    // GIVEN every kind of parameter, a subtree grant and tags
    const stack = representativeStack();

    // WHEN
    const template = Template.fromStack(stack).toJSON();

    // THEN
    expect(normaliseAssetHashes(template)).toMatchSnapshot();
  });
});

describe('SecureParameterTree compliance packs', () => {
  test('leave no error on the representative stack', () => {
    const app = new App();
    representativeStack(app);
    expect(nagErrors(app)).toEqual([]);
  });

  test('are acknowledged only where a rule cannot apply, each with a reason', () => {
    // GIVEN
    const app = new App();
    representativeStack(app);

    // WHEN
    const acknowledged = acknowledgements(app);

    // THEN: the list is fixed here so that it cannot grow unnoticed.
    const fn = 'RepresentativeStack/Config/Reconciler/Function';
    const ssmArn = (name: string) => `arn:<AWS::Partition>:ssm:eu-west-1:111122223333:parameter${name}`;
    expect(acknowledged.map(({ path: at, rule }) => [at, rule])).toEqual([
      [fn, 'HIPAA.Security-LambdaConcurrency'],
      [fn, 'HIPAA.Security-LambdaDLQ'],
      [fn, 'HIPAA.Security-LambdaInsideVPC'],
      [fn, 'NIST.800.53.R5-LambdaConcurrency'],
      [fn, 'NIST.800.53.R5-LambdaDLQ'],
      [fn, 'NIST.800.53.R5-LambdaInsideVPC'],
      [fn, 'PCI.DSS.321-LambdaInsideVPC'],
      [fn, 'Serverless-LambdaDLQ'],
      ['RepresentativeStack/Config/Reconciler/Policy', 'AwsSolutions-IAM5[Resource::*]'],
      ['RepresentativeStack/Config/Reconciler/Policy', 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kms:eu-west-1:111122223333:key/*]'],
      ['RepresentativeStack/Config/Reconciler/Policy', `AwsSolutions-IAM5[Resource::${ssmArn('/ecommerce/prod/*')}]`],
      ['RepresentativeStack/Consumer/SecureConfigReadPolicy', `AwsSolutions-IAM5[Resource::${ssmArn('/ecommerce/prod/db/*')}]`],
    ]);
    expect(acknowledged.filter(({ reason }) => reason.length < 40)).toEqual([]);
    // CloudFormation invokes custom-resource functions asynchronously: no reason may say otherwise.
    const deadLetterReasons = acknowledged.filter(({ rule }) => rule.endsWith('-LambdaDLQ')).map(({ reason }) => reason);
    expect(deadLetterReasons).toHaveLength(3);
    for (const reason of deadLetterReasons) {
      expect(reason).toMatch(/^CloudFormation invokes the reconciler asynchronously\./);
      expect(reason).not.toMatch(/\bsynchronously/);
    }
  });
});

describeWithServices(['cfn-lint'], 'SecureParameterTree template with cfn-lint', () => {
  test('is clean', () => {
    // GIVEN
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'parameter-tree-lint-'));
    try {
      const app = new App({ outdir });
      representativeStack(app);

      // WHEN
      const result = cfnLint(templatesIn(app.synth().directory));

      // THEN
      expect(result).toEqual({ exitCode: 0, output: '' });
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });
});
