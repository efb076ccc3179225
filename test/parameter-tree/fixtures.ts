/** Stacks shared by the SecureParameterTree tests. */
import { App, Stack, Tags } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { ParameterTier, ParameterValue, SecureParameterTree } from '../../src/parameter-tree';

export const ACCOUNT = '111122223333';
export const REGION = 'eu-west-1';

/** A stack with a concrete environment, so ARNs hold the account and region as literals. */
export function newStack(app: App = new App(), id = 'ConfigStack'): Stack {
  return new Stack(app, id, { env: { account: ACCOUNT, region: REGION } });
}

/** Every kind of parameter, a grant to a consumer role, tags, and a foreign ciphertext key. */
export function representativeStack(app: App = new App()): Stack {
  const stack = newStack(app, 'RepresentativeStack');
  const legacyKey = new kms.Key(stack, 'LegacyKey', { enableKeyRotation: true });
  const tree = new SecureParameterTree(stack, 'Config', {
    path: '/ecommerce/prod',
    description: 'E-commerce production configuration',
    parameters: {
      'db/host': ParameterValue.string('db.example.com'),
      'db/port': ParameterValue.string('5432', { description: 'PostgreSQL port' }),
      'cors/origins': ParameterValue.stringList(['https://a.example', 'https://b.example']),
      'api/jwt-secret': ParameterValue.generatedSecret({ length: 48, tier: ParameterTier.ADVANCED }),
      'payments/stripe-key': ParameterValue.placeholderSecret({ tags: { owner: 'payments' } }),
      'legacy/token': ParameterValue.encryptedSecret('AQICAHhB', { key: legacyKey }),
    },
  });
  tree.addParameter('feature/flags', ParameterValue.stringList(['checkout-v2']));
  const consumer = new iam.Role(stack, 'Consumer', { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
  tree.grantRead(consumer, 'db');
  Tags.of(stack).add('team', 'shop');
  return stack;
}
