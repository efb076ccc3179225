/**
 * The test command must fail when a test fails. A global teardown that let node end the process
 * early once turned every failed run into exit code 0, so CI passed with failing tests.
 */
import { spawnSync } from 'child_process';
import * as path from 'path';

const ROOT = path.join(__dirname, '..', '..');

test('a run with a failing test exits non-zero, with moto_server started and stopped around it', () => {
  // GIVEN the suite's own global setup and teardown, around a test that fails
  const config = {
    rootDir: ROOT,
    testMatch: ['<rootDir>/test/support/fixtures/always-fails.check.ts'],
    globalSetup: '<rootDir>/test/support/global-setup.ts',
    globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    transform: { '^.+\\.[t]sx?$': ['ts-jest', { tsconfig: 'test/tsconfig.json' }] },
  };

  // WHEN jest runs it
  const run = spawnSync(process.execPath, [require.resolve('jest/bin/jest'), '--ci', '--config', JSON.stringify(config)], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 110_000,
  });

  // THEN the failure reached the exit code
  expect(run.stderr).toContain('fails on purpose');
  expect(run.status).toBe(1);
});
