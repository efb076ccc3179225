import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { buildEcommerceApp } from '../../examples/ecommerce/app';
import { acknowledgements, cfnLint, nagErrors, templatesIn } from '../support/compliance';
import { describeWithServices } from '../support/services';

/** Synthesized once for the suite: the example app as `synth.ts` builds it (environment-agnostic). */
function synthesize(): { app: App; outdir: string } {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecommerce-'));
  const app = new App({ outdir });
  buildEcommerceApp(app);
  app.synth();
  return { app, outdir };
}

describe('e-commerce example compliance', () => {
  let app: App;
  let outdir: string;
  beforeAll(() => ({ app, outdir } = synthesize()));
  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

  test('passes the five cdk-nag packs with no unacknowledged error', () => {
    expect(nagErrors(app)).toEqual([]);
  });

  test('acknowledges exactly the findings that cannot apply, each with its reason', () => {
    // WHEN
    // (aws-cdk-lib releases after 2.257 acknowledge rules of their own built-in template validator,
    // `CloudFormation-Validate::`, on their own constructs: not this app's to list.)
    const acknowledged = acknowledgements(app)
      .filter(({ rule }) => !rule.startsWith('CloudFormation-Validate::'))
      .map(({ path: at, rule }) => `${at} ${rule}`);

    // THEN the list cannot grow silently
    expect(acknowledged.filter((line) => line.startsWith('EcommerceProd/'))).toMatchSnapshot();
    expect(acknowledgements(app).every(({ reason }) => reason.length > 40)).toBe(true);
  });
});

describeWithServices(['cfn-lint'], 'e-commerce example templates', () => {
  test('are cfn-lint clean', () => {
    // GIVEN
    const { outdir } = synthesize();

    // WHEN
    const lint = cfnLint(templatesIn(outdir));

    // THEN
    expect(lint).toEqual({ exitCode: 0, output: '' });
  });
});
