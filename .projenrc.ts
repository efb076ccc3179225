import { awscdk, javascript, release } from 'projen';
import { addLanguagePackaging } from './projenrc/packaging';
import { addPublishTasks } from './projenrc/release';
import { addRosetta } from './projenrc/rosetta';

// The oldest aws-cdk-lib we support (cdk-nag 3 needs 2.257). Tests run against it, so the
// peer range never promises something the tests did not see.
const CDK_VERSION = '2.257.0';

const project = new awscdk.AwsCdkConstructLibrary({
  name: 'cdk-secure-config',
  description:
    'AWS CDK constructs for configuration and secrets done right: a Parameter Store tree with SecureStrings and a customer-managed key, rotated database secrets, least-privilege read grants.',
  author: 'cdk-secure-config developers',
  authorAddress: 'maintainers@cdk-secure-config.invalid',
  repositoryUrl: 'https://github.com/cdk-secure-config/cdk-secure-config.git',
  keywords: ['cdk', 'aws-cdk', 'ssm', 'parameter-store', 'secrets-manager', 'kms', 'rotation', 'securestring'],
  license: 'Apache-2.0',
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  github: false,
  // Releases are cut by hand from a working copy (`npx projen release`): the version is bumped from
  // the conventional commits since the last tag, CHANGELOG.md is written from them, and the
  // publish:* tasks push each language's package from dist/ (they need the registries' tokens and
  // hosts that reach them: npm, PyPI, Maven Central, NuGet and GitHub for Go).
  release: true,
  releaseTrigger: release.ReleaseTrigger.manual({ changelog: true, changelogPath: 'CHANGELOG.md' }),
  publishTasks: true,
  releaseToNpm: true,
  // Provenance statements are signed by GitHub Actions or GitLab CI identities only.
  npmProvenance: false,

  cdkVersion: CDK_VERSION,
  constructsVersion: '10.5.1',
  jsiiVersion: '~6.0.0',

  // Names for the other languages are chosen once: renaming them later breaks every user.
  publishToPypi: {
    distName: 'cdk-secure-config',
    module: 'cdk_secure_config',
  },
  publishToMaven: {
    javaPackage: 'io.github.cdksecureconfig',
    mavenGroupId: 'io.github.cdk-secure-config',
    mavenArtifactId: 'cdk-secure-config',
  },
  publishToNuget: {
    dotNetNamespace: 'CdkSecureConfig',
    packageId: 'CdkSecureConfig',
  },
  publishToGo: {
    moduleName: 'github.com/cdk-secure-config/cdk-secure-config-go',
  },

  // Handlers are declared one by one below so that each bundle holds only what it needs.
  lambdaAutoDiscover: false,

  devDeps: [
    '@aws-sdk/client-ssm@^3',
    '@aws-sdk/client-kms@^3',
    '@aws-sdk/client-cloudformation@^3',
    '@aws-sdk/client-s3@^3',
    '@aws-sdk/client-lambda@^3',
    '@aws-sdk/client-secrets-manager@^3',
    'aws-sdk-client-mock@^4',
    'pg@^8',
    '@types/pg@^8',
    'mysql2@^3',
    'cdk-nag@^3',
    'aws-cdk@^2',
    'esbuild',
    '@aws-cdk/integ-tests-alpha@2.245.0-alpha.0',
    '@aws-cdk/integ-runner@^2',
  ],

  tsconfigDev: {
    include: ['../.projenrc.ts', '../src/**/*.ts', '../lambda-handlers/**/*.ts', '../examples/**/*.ts', '../bench/**/*.ts'],
    exclude: ['../examples/**/cdk.out'],
    compilerOptions: {},
  },
  jestOptions: {
    // Snapshots are verified, never rewritten by the test command: `npx projen test -u` updates them.
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    passWithNoTests: false,
    junitReporting: false,
    jestConfig: {
      testTimeout: 120_000,
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
      reporters: [new javascript.JestReporter('<rootDir>/test/support/skip-reporter.js')],
      collectCoverageFrom: ['src/**/*.ts', 'lambda-handlers/**/*.ts', '!src/index.ts'],
      maxWorkers: 2,
      testPathIgnorePatterns: ['/node_modules/', '/cdk.out/', '/examples/.*/cdk.out/'],
      coveragePathIgnorePatterns: ['/node_modules/', '/test/'],
      modulePathIgnorePatterns: ['<rootDir>/examples/.*/cdk.out', '<rootDir>/test/.*\\.snapshot'],
    },
  },
  eslintOptions: {
    // One program for every linted folder: handlers, examples and the benchmark live outside src/.
    projectService: false,
    tsconfigPath: './test/tsconfig.json',
    dirs: ['src'],
    devdirs: ['test', 'lambda-handlers', 'examples', 'bench'],
  },
  gitignore: ['cdk.out', '*.tsbuildinfo', '/assets/', '.moto-*', 'test-reports/', 'test/.readme-example-*'],
  npmignoreEnabled: true,
});

// The layout's rules, enforced: no import cycles; handlers see only the contracts of src/ (and src/
// nothing of the handlers); the shared kernel in src/private/ knows no construct; contracts import nothing.
const CONSTRUCT_FOLDERS = ['./src/parameter-tree', './src/rotation', './src/grants'];
project.eslint?.addRules({
  'import/no-cycle': ['error'],
  'import/no-restricted-paths': ['error', {
    zones: [
      {
        target: './lambda-handlers',
        from: './src',
        except: ['./parameter-tree/private/contract.ts', './rotation/private/contract.ts'],
        message: 'Handlers import only the construct/handler contracts from src/.',
      },
      { target: './src', from: './lambda-handlers', message: 'jsii compiles only src/: it never imports a handler.' },
      { target: './src/private', from: CONSTRUCT_FOLDERS, message: 'The shared kernel imports nothing from a construct folder.' },
    ],
  }],
});
project.eslint?.addOverride({
  files: ['src/**/private/contract.ts'],
  rules: { 'no-restricted-imports': ['error', { patterns: ['*'] }] },
});

// unrs-resolver 1.13.0 (via jest and eslint) is published without most of its platform
// bindings in the registry CI reaches, which leaves a lock file `npm ci` rejects.
project.package.addField('overrides', { 'unrs-resolver': '1.12.2' });

// Every handler bundles a pinned AWS SDK instead of the one in the Lambda runtime: the code
// that runs in production is the code the tests ran, and a runtime SDK update cannot change it.
const handlerBundling = {
  externals: ['pg-native', 'cloudflare:sockets'],
  minify: true,
  sourcemap: false,
};
// Each handler's generated construct class lives in the private folder of the construct that owns it.
const handlers = [
  { entry: 'parameter-tree-reconciler', constructFile: 'src/parameter-tree/private/reconciler-function.ts' },
  { entry: 'rotation-postgres', constructFile: 'src/rotation/private/postgres-function.ts' },
  { entry: 'rotation-mysql', constructFile: 'src/rotation/private/mysql-function.ts' },
];
for (const handler of handlers) {
  new awscdk.LambdaFunction(project, {
    entrypoint: `lambda-handlers/${handler.entry}.lambda.ts`,
    constructFile: handler.constructFile,
    cdkDeps: project.cdkDeps,
    runtime: awscdk.LambdaRuntime.NODEJS_24_X,
    bundlingOptions: handlerBundling,
    awsSdkConnectionReuse: false,
  });
}

// The generated construct classes are private: jsii must still see them, API.md must not.
project.npmignore?.addPatterns('/lambda-handlers/', '/examples/', '/bench/', '/docs/', '/.ci/');
project.npmignore?.include('/assets/');

// Integration apps for a real account, one per construct in test/<construct>/integ.*.ts (integ-runner
// searches test/ recursively): their committed snapshots are verified offline in every test run.
const integArgs = '--directory test --language typescript --parallel-regions us-east-1';
project.testTask.exec(`integ-runner ${integArgs}`);
project.addTask('integ:update', {
  description: 'Re-synthesizes the integ snapshots without deploying (review the diff before committing)',
  exec: `integ-runner ${integArgs} --dry-run --update-on-failed`,
});

const bench = project.addTask('bench', {
  description: 'Prints the benchmark table (synth cost, reconciler, bundles, rotation, grants, throttled, scale)',
});
bench.spawn(project.tasks.tryFind('bundle')!);
bench.exec('ts-node --transpile-only --project test/tsconfig.json bench/run.ts', { receiveArgs: true });
const synthExample = project.addTask('synth:example', {
  description: 'Synthesizes the e-commerce example app without an AWS account',
});
synthExample.spawn(project.tasks.tryFind('bundle')!);
synthExample.exec('ts-node --project test/tsconfig.json examples/ecommerce/synth.ts');

addRosetta(project);
addLanguagePackaging(project);
addPublishTasks(project);

project.synth();
