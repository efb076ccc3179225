import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildEcommerceApp } from '../../examples/ecommerce/app';
import { allows, concrete } from '../grants/grant-fixtures';

const ENV = { account: '111111111111', region: 'us-east-1' };
const ssm = (name: string) => `arn:aws:ssm:${ENV.region}:${ENV.account}:parameter${name}`;

describe('e-commerce example app', () => {
  const app = new App();
  const { prod, dev } = buildEcommerceApp(app, ENV);
  const prodTemplate = Template.fromStack(prod);

  function grantStatements(template: Template): any[] {
    const policies = template.findResources('AWS::IAM::ManagedPolicy');
    return Object.entries(policies).filter(([id]) => id.startsWith('ApiConfigAccess')).flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
  }

  test('lets the prod function read /ecommerce/prod and nothing of /ecommerce/dev', () => {
    // WHEN
    const statements = grantStatements(prodTemplate);

    // THEN
    expect(allows(statements, 'ssm:GetParameter', ssm('/ecommerce/prod/db/host'))).toBe(true);
    expect(allows(statements, 'ssm:GetParametersByPath', ssm('/ecommerce/prod'))).toBe(true);
    expect(allows(statements, 'ssm:GetParameter', ssm('/ecommerce/dev/db/host'))).toBe(false);
    expect(allows(statements, 'ssm:GetParametersByPath', ssm('/ecommerce/dev'))).toBe(false);
  });

  test('gives each environment its own tree, key and grant', () => {
    expect(prod.configTree.path).toBe('/ecommerce/prod');
    expect(dev.configTree.path).toBe('/ecommerce/dev');
    expect(prod.grant.paths).toEqual(['/ecommerce/prod']);
    expect(dev.grant.paths).toEqual(['/ecommerce/dev']);
  });

  test('grants the function the application user\'s secret, passes paths and ARN to it, and uses the current extension layer', () => {
    // WHEN
    const fn = Object.values(prodTemplate.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.handler', Runtime: 'nodejs24.x', Architectures: ['arm64'] } }))
      .map((r) => r.Properties)
      .find((props) => props.Environment?.Variables?.SECURE_CONFIG_PATHS);

    // THEN
    expect(fn.Environment.Variables.SECURE_CONFIG_PATHS).toBe('/ecommerce/prod');
    expect(fn.Environment.Variables.SECURE_CONFIG_SECRET_ARNS).toEqual({ Ref: expect.stringMatching(/^AppUserSecret/) });
    expect(fn.Environment.Variables.SSM_PARAMETER_STORE_TTL).toBe('60');
    expect(fn.Layers).toHaveLength(1);
    const layerParameter = prodTemplate.toJSON().Parameters[fn.Layers[0].Ref];
    expect(layerParameter).toEqual({
      Type: 'AWS::SSM::Parameter::Value<String>',
      Default: '/aws/service/aws-parameters-and-secrets-lambda-extension/arm64/latest',
    });
    const secretStatement = grantStatements(prodTemplate).find((s) => [].concat(s.Action).includes('secretsmanager:GetSecretValue' as never));
    expect(secretStatement.Resource).toEqual(fn.Environment.Variables.SECURE_CONFIG_SECRET_ARNS);
  });

  test('puts the function in the VPC without any route to the internet', () => {
    prodTemplate.resourceCountIs('AWS::EC2::NatGateway', 0);
    prodTemplate.resourceCountIs('AWS::EC2::InternetGateway', 0);
    const endpoints = Object.values(prodTemplate.findResources('AWS::EC2::VPCEndpoint')).map((r) => concrete(r.Properties.ServiceName));
    expect(endpoints.sort()).toEqual(['com.amazonaws.us-east-1.secretsmanager', 'com.amazonaws.us-east-1.ssm']);
  });
});
