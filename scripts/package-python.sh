#!/usr/bin/env bash
# Builds the Python package offline: jsii-pacmak generates the code (with the examples translated
# from the rosetta tablet), then Debian's own build tools make the sdist and the wheel, and
# check-python-package.py checks them. jsii-pacmak's full `--target python` would pip-install
# pinned versions of setuptools, build and twine that no package index this machine reaches holds.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=/usr/bin/python3   # Debian's Python, with python3-build, python3-setuptools, python3-wheel, twine
for module in build setuptools wheel twine; do
  if ! "$PYTHON" -c "import $module" 2>/dev/null; then
    echo "package-python: Debian's Python lacks '$module': apt-get install python3-build python3-setuptools python3-wheel twine python3-venv" >&2
    exit 1
  fi
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

npx jsii-pacmak --target python --code-only --outdir "$work/generated"
rm -rf dist/python
mkdir -p dist/python
# No isolation: the build runs with the installed setuptools and wheel instead of fetching the
# versions pinned in the generated pyproject.toml.
"$PYTHON" -m build --no-isolation --skip-dependency-check --outdir dist/python "$work/generated/python" >"$work/build.log" 2>&1 \
  || { cat "$work/build.log"; exit 1; }
ls -l dist/python

"$PYTHON" -m twine check --strict dist/python/*
"$PYTHON" scripts/check-python-package.py dist/python
