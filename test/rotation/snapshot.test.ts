import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { postgresInstance, stackWithVpc } from './fixtures';
import { DatabaseTarget, RotatingDbSecret, RotationStrategy } from '../../src/rotation';
import { normaliseAssetHashes } from '../support/snapshots';

describe('RotatingDbSecret representative stack', () => {
  test('synthesizes the template it did before', () => {
    // GIVEN an RDS PostgreSQL instance, alternating users and a consumer
    const { stack, vpc } = stackWithVpc();
    const database = postgresInstance(stack, vpc);
    const rotating = new RotatingDbSecret(stack, 'AppUser', {
      target: DatabaseTarget.instance(database),
      username: 'app',
      databaseName: 'shop',
      strategy: RotationStrategy.ALTERNATING_USERS,
      masterSecret: database.secret!,
    });
    const consumer = new iam.Role(stack, 'Consumer', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });

    // WHEN
    rotating.grantRead(consumer);
    const template = Template.fromStack(stack).toJSON();

    // THEN
    expect(normaliseAssetHashes(template)).toMatchSnapshot();
  });
});
