import { App, Stack } from 'aws-cdk-lib';
import { regionalServiceName, secretsManagerServiceName, ssmServiceName } from '../../src/private/service-names';

function stackIn(region: string): Stack {
  return new Stack(new App(), 'Stack', { env: { account: '111111111111', region } });
}

describe('regional service names', () => {
  test('end with the partition URL suffix by default, so they hold in every partition', () => {
    // GIVEN
    const stack = stackIn('cn-north-1');

    // WHEN
    const name = stack.resolve(regionalServiceName(stack, 'logs'));

    // THEN
    expect(name).toEqual({ 'Fn::Join': ['', ['logs.cn-north-1.', { Ref: 'AWS::URLSuffix' }]] });
  });

  test('name Parameter Store and Secrets Manager by the URL suffix of the partition', () => {
    // GIVEN
    const stack = stackIn('eu-west-1');

    // THEN
    expect(stack.resolve(ssmServiceName(stack))).toEqual({ 'Fn::Join': ['', ['ssm.eu-west-1.', { Ref: 'AWS::URLSuffix' }]] });
    expect(stack.resolve(secretsManagerServiceName(stack))).toEqual({ 'Fn::Join': ['', ['secretsmanager.eu-west-1.', { Ref: 'AWS::URLSuffix' }]] });
  });
});
