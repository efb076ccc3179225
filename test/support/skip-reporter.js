// Prints the suites skipped for a missing service, then the plain closing line
// "jest: N passed, N failed, N skipped" that CI reads.
const fs = require('fs');
const path = require('path');

class SkipReporter {
  onRunComplete(_contexts, results) {
    const dir = process.env.CSC_SKIP_DIR;
    const lines = [];
    if (dir && fs.existsSync(dir)) {
      for (const file of fs.readdirSync(dir).sort()) {
        const { suite, reason } = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
        lines.push(`SKIPPED: ${suite}: ${reason}`);
      }
      fs.rmSync(dir, { recursive: true, force: true });
    }
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    process.stdout.write(
      `\n${lines.join('\n')}${lines.length ? '\n' : ''}` +
      `jest: ${results.numPassedTests} passed, ${failed} failed, ${results.numPendingTests} skipped\n`,
    );
  }
}

module.exports = SkipReporter;
