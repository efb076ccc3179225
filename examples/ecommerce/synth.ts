/**
 * Synthesizes the e-commerce example without an AWS account, into examples/ecommerce/cdk.out,
 * with a fixed dummy account and region so that region-dependent facts (the extension's layer
 * ARN, endpoint service names) resolve as they would in a real deployment.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { buildEcommerceApp } from './app';

const EXAMPLE_ENV = { account: '123456789012', region: 'eu-west-1' };

const outdir = path.join(__dirname, 'cdk.out');
const app = new App({ outdir });
buildEcommerceApp(app, EXAMPLE_ENV);
app.synth();

console.log(`Synthesized the e-commerce example into ${path.relative(process.cwd(), outdir) || '.'}:`);
for (const file of fs.readdirSync(outdir).filter((name) => name.endsWith('.template.json')).sort()) {
  console.log(`  ${path.relative(process.cwd(), path.join(outdir, file))}`);
}
