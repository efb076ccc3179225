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
    prod: new EcommerceStack(app, 'EcommerceProd', { env, environmentName: 'prod', production: true, paymentApiKey: paymentApiKeyFromContext(app) }),
    dev: new EcommerceStack(app, 'EcommerceDev', { env, environmentName: 'dev', production: false }),
  };
}

/**
 * The prod payment API key as KMS ciphertext, from the context keys
 * `paymentApiKeyCiphertext` and `paymentApiKeyKeyArn` (for example in cdk.json, or
 * `cdk deploy -c paymentApiKeyCiphertext=... -c paymentApiKeyKeyArn=...`). Without them the
 * parameter is a placeholder.
 */
function paymentApiKeyFromContext(app: App): { ciphertext: string; keyArn: string } | undefined {
  const ciphertext = app.node.tryGetContext('paymentApiKeyCiphertext');
  const keyArn = app.node.tryGetContext('paymentApiKeyKeyArn');
  if (ciphertext === undefined && keyArn === undefined) return undefined;
  if (typeof ciphertext !== 'string' || typeof keyArn !== 'string') {
    throw new Error(`set both context keys paymentApiKeyCiphertext and paymentApiKeyKeyArn, got: ${JSON.stringify({ ciphertext, keyArn })}`);
  }
  return { ciphertext, keyArn };
}

if (require.main === module) {
  // `npx cdk deploy` from this folder: the account and region of the caller's credentials.
  const app = new App();
  buildEcommerceApp(app, { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION });
  app.synth();
}
