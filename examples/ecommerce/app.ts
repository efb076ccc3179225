/**
 * The e-commerce example: two environments in two stacks, each with its own tree
 * (`/ecommerce/prod`, `/ecommerce/dev`), key, database and API. The prod function's grant names
 * only `/ecommerce/prod`, so it cannot read dev configuration, and the other way round.
 */
import { App, Environment } from 'aws-cdk-lib';
import { EcommerceStack } from './ecommerce-stack';

/** Builds the example's stacks into `app`. */
export function buildEcommerceApp(app: App, env?: Environment): { prod: EcommerceStack; dev: EcommerceStack } {
  return {
    prod: new EcommerceStack(app, 'EcommerceProd', { env, environmentName: 'prod', production: true }),
    dev: new EcommerceStack(app, 'EcommerceDev', { env, environmentName: 'dev', production: false }),
  };
}

if (require.main === module) {
  // `npx cdk deploy` from this folder: the account and region of the caller's credentials.
  const app = new App();
  buildEcommerceApp(app, { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION });
  app.synth();
}
