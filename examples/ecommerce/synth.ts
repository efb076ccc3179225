/**
 * Synthesizes the e-commerce example without an AWS account, into examples/ecommerce/cdk.out.
 * The stacks are environment-agnostic: account, region and availability zones resolve at deploy
 * time, and the extension's layer ARN comes from a per-region mapping aws-cdk-lib writes.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { buildEcommerceApp } from './app';

const outdir = path.join(__dirname, 'cdk.out');
const app = new App({ outdir });
buildEcommerceApp(app);
app.synth();

console.log(`Synthesized the e-commerce example into ${path.relative(process.cwd(), outdir) || '.'}:`);
for (const file of fs.readdirSync(outdir).filter((name) => name.endsWith('.template.json')).sort()) {
  console.log(`  ${path.relative(process.cwd(), path.join(outdir, file))}`);
}
