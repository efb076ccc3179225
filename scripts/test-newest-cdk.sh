#!/usr/bin/env bash
# Runs the construct tests on the newest aws-cdk-lib in the npm registry. The build's own test
# task runs every tier on the oldest supported release, the one package.json pins for
# development. Installs the newest release in place without saving, then puts the pinned one back.
#
# CDK_NEWEST_VERSION=<version> tests that release instead of the registry's newest.
set -euo pipefail
cd "$(dirname "$0")/.."

pinned="$(node -p "require('./package.json').devDependencies['aws-cdk-lib']")"
newest="${CDK_NEWEST_VERSION:-$(npm view aws-cdk-lib version)}"
construct_tests=(test/parameter-tree test/rotation test/grants test/examples)

if [ "$newest" = "$pinned" ]; then
  echo "aws-cdk-lib@$newest is both the oldest supported and the newest release: the build's test run covered it"
  exit 0
fi

install_cdk() {
  npm install --no-save --no-audit --no-fund --ignore-scripts --loglevel=error "aws-cdk-lib@$1" >/dev/null
}
restore() {
  install_cdk "$pinned"
  echo "restored aws-cdk-lib@$(node -p "require('aws-cdk-lib/package.json').version")"
}
trap restore EXIT

install_cdk "$newest"
installed="$(node -p "require('aws-cdk-lib/package.json').version")"
[ "$installed" = "$newest" ] || { echo "asked for aws-cdk-lib@$newest, got $installed" >&2; exit 1; }
echo "construct tests on aws-cdk-lib@$installed (newest; oldest supported: aws-cdk-lib@$pinned)"
# Snapshots are compared, never written (--ci): they hold no aws-cdk-lib version-specific output,
# so the same committed snapshots must hold on both releases.
npx jest --ci --coverage=false "${construct_tests[@]}"
echo "construct tests passed on aws-cdk-lib@$installed"
