/**
 * The CloudFormation StackView against moto_server's CloudFormation, which runs real stacks of
 * simple resources: DescribeStacks and DescribeStackResource answer as they would in AWS,
 * missing stacks and resources included.
 */
import {
  CloudFormationClient, CreateStackCommand, DeleteStackCommand, DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { cloudFormationStacks } from '../../../lambda-handlers/parameter-tree/stack-view';
import { describeWithServices } from '../../support/services';

describeWithServices(['moto'], 'CloudFormation StackView (moto_server)', () => {
  const client = new CloudFormationClient({});
  const stacks = cloudFormationStacks(client);
  const pacing = { sleep: async () => {} };
  const uniqueName = (label: string) => `${label}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;

  async function createStack(name: string, parameterName: string): Promise<string> {
    const template = { Resources: { Setting: { Type: 'AWS::SSM::Parameter', Properties: { Name: parameterName, Type: 'String', Value: 'v' } } } };
    return (await client.send(new CreateStackCommand({ StackName: name, TemplateBody: JSON.stringify(template) }))).StackId!;
  }

  test('a live stack: its status, the physical id and status of a resource, and no id for a logical id it does not have', async () => {
    // GIVEN
    const name = uniqueName('StackView');
    const stackId = await createStack(name, `/stack-view/${name}`);
    const view = stacks(stackId, pacing);

    // WHEN / THEN
    expect(await view.status()).toBe('CREATE_COMPLETE');
    expect(await view.liveResource('Setting')).toEqual({ physicalId: `/stack-view/${name}`, status: 'CREATE_COMPLETE' });
    expect(await view.liveResource('NotInTheStack')).toBeUndefined();
  });

  test('lists the live resources of one type, by logical id', async () => {
    // GIVEN a stack of two parameters and a queue
    const name = uniqueName('Listed');
    const template = {
      Resources: {
        First: { Type: 'AWS::SSM::Parameter', Properties: { Name: `/stack-view/${name}/1`, Type: 'String', Value: 'v' } },
        Second: { Type: 'AWS::SSM::Parameter', Properties: { Name: `/stack-view/${name}/2`, Type: 'String', Value: 'v' } },
        Queue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: name } },
      },
    };
    const stackId = (await client.send(new CreateStackCommand({ StackName: name, TemplateBody: JSON.stringify(template) }))).StackId!;

    // WHEN
    const live = await stacks(stackId, pacing).liveResourcesOfType('AWS::SSM::Parameter');

    // THEN
    expect(Object.fromEntries(live)).toEqual({ First: `/stack-view/${name}/1`, Second: `/stack-view/${name}/2` });
  });

  test('a deleted stack, described by its id, reads as no stack', async () => {
    // GIVEN
    const name = uniqueName('Deleted');
    const stackId = await createStack(name, `/stack-view/${name}`);
    await client.send(new DeleteStackCommand({ StackName: stackId }));
    const described = await client.send(new DescribeStacksCommand({ StackName: stackId }));
    expect(described.Stacks?.[0]?.StackStatus).toBe('DELETE_COMPLETE');

    // WHEN / THEN
    expect(await stacks(stackId, pacing).status()).toBeUndefined();
  });

  test('a stack that never existed reads as no stack and no resource', async () => {
    // GIVEN
    const stackId = 'arn:aws:cloudformation:us-east-1:123456789012:stack/NeverCreated/5b6f0c60-0000-4000-8000-0000000000ff';
    const view = stacks(stackId, pacing);

    // WHEN / THEN
    expect(await view.status()).toBeUndefined();
    expect(await view.liveResource('Setting')).toBeUndefined();
  });

  test('a throttled call is retried; any other error is passed on', async () => {
    // GIVEN a client whose first DescribeStacks is throttled, and whose DescribeStackResource is denied
    const name = uniqueName('Throttled');
    const stackId = await createStack(name, `/stack-view/${name}`);
    const flaky = new CloudFormationClient({});
    const realSend = flaky.send.bind(flaky) as (command: unknown, options?: unknown) => Promise<unknown>;
    let throttled = 0;
    (flaky as any).send = (command: { constructor: { name: string } }, options?: unknown) => {
      if (command.constructor.name === 'DescribeStacksCommand' && throttled++ === 0) {
        return Promise.reject(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }));
      }
      if (command.constructor.name === 'DescribeStackResourceCommand') {
        return Promise.reject(Object.assign(new Error('not authorized to perform cloudformation:DescribeStackResource'), { name: 'AccessDenied' }));
      }
      return realSend(command, options);
    };
    const view = cloudFormationStacks(flaky)(stackId, pacing);

    // WHEN / THEN
    expect(await view.status()).toBe('CREATE_COMPLETE');
    expect(throttled).toBe(2);
    await expect(view.liveResource('Setting')).rejects.toThrow('not authorized to perform cloudformation:DescribeStackResource');
  });
});
