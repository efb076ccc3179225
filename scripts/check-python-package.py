"""Checks the Python sdist and wheel that scripts/package-python.sh built.

Usage: python3 scripts/check-python-package.py dist/python

Each check prints one line; any failure exits 1. The import check needs the jsii Python runtime
(PyPI's `jsii`), with aws-cdk-lib and constructs: when pip cannot install them, the line says so
and the static checks of the assembly the module loads stand in for it.
"""
import ast
import email.parser
import io
import json
import pathlib
import re
import subprocess
import sys
import tarfile
import tempfile
import textwrap
import venv
import zipfile

from packaging.requirements import Requirement

ROOT = pathlib.Path(__file__).resolve().parent.parent
MODULE = "cdk_secure_config"
failures = []


def check(ok, message):
    print(f"{'ok  ' if ok else 'FAIL'} {message}")
    if not ok:
        failures.append(message)


def one(paths, kind):
    check(len(paths) == 1, f"exactly one {kind}, got: {[p.name for p in paths]}")
    return paths[0] if paths else None


def code_blocks(markdown):
    return re.findall(r"^```([^\n]*)\n(.*?)^```", markdown, flags=re.S | re.M)


def check_long_description(description):
    blocks = code_blocks(description)
    languages = {lang.split()[0] if lang.strip() else "" for lang, _ in blocks}
    python_blocks = [code for lang, code in blocks if lang.startswith("python")]
    check(len(python_blocks) > 0, f"long description holds Python examples ({len(python_blocks)} blocks)")
    leftover = languages & {"ts", "typescript", "js", "javascript"}
    check(not leftover, f"long description holds no TypeScript or JavaScript blocks, got: {sorted(leftover)}")
    for index, code in enumerate(python_blocks, 1):
        try:
            ast.parse(code)
            check(True, f"Python example {index} is valid Python")
        except SyntaxError as error:
            check(False, f"Python example {index} is valid Python: {error}")
    check(any(f"from {MODULE} import" in code for code in python_blocks), f"Python examples import from {MODULE}")


def check_assembly_tarball(tgz_bytes, assembly):
    with tarfile.open(fileobj=io.BytesIO(tgz_bytes), mode="r:gz") as tar:
        names = set(tar.getnames())
        packed = json.load(tar.extractfile("package/.jsii"))
    check(packed.get("fingerprint") == assembly["fingerprint"], "the module's assembly is the one jsii just compiled (same fingerprint)")
    check("package/.jsii.tabl.json" in names, "the module's npm tarball carries the rosetta tablet")
    bundles = sorted(n for n in names if n.startswith("package/assets/") and n.endswith("/index.js"))
    check(len(bundles) >= 1, f"the module's npm tarball carries the handler bundles ({len(bundles)})")


def check_bindings(init_source, assembly):
    """Every type of the assembly has its Python class, bound to it by jsii type name."""
    bound = set(re.findall(r'jsii_type="([^"]+)"', init_source))
    expected = {fqn for fqn in assembly["types"]}
    missing = sorted(expected - bound)
    check(not missing, f"the module binds all {len(expected)} types of the assembly, missing: {missing}")
    examples = [t for t in assembly["types"].values() if "example" in t.get("docs", {})]
    python_examples = re.findall(r"Example::\n\n((?:        .*\n|\s*\n)+)", init_source)
    check(len(python_examples) >= len(examples), f"the module's docstrings hold {len(examples)} examples, got: {len(python_examples)}")
    for code in python_examples:
        try:
            ast.parse(textwrap.dedent(code))
        except SyntaxError as error:
            check(False, f"docstring example is valid Python: {error}\n{code}")
    check(all("new " not in code and "declare const" not in code for code in python_examples), "docstring examples are Python, not TypeScript")


def check_import(wheel, requires):
    with tempfile.TemporaryDirectory() as directory:
        env_dir = pathlib.Path(directory) / "venv"
        venv.EnvBuilder(with_pip=True).create(env_dir)
        python = str(env_dir / "bin" / "python")
        installed = subprocess.run([python, "-m", "pip", "install", "--quiet", "--no-deps", str(wheel)], capture_output=True, text=True)
        check(installed.returncode == 0, f"the wheel installs into a fresh venv {installed.stderr.strip()[-300:]}")
        compiled = subprocess.run([python, "-m", "compileall", "-q", "-f", str(env_dir / "lib")], capture_output=True, text=True)
        check(compiled.returncode == 0, f"the installed module byte-compiles {compiled.stdout.strip()[-300:]}")
        # The runtime first, so that a failure names what is missing before what depends on it.
        for requirement in sorted(requires, key=lambda r: not r.startswith("jsii")):
            runtime = subprocess.run(
                [python, "-m", "pip", "install", "--quiet", "--retries", "0", "--timeout", "15", requirement],
                capture_output=True, text=True,
            )
            if runtime.returncode != 0:
                reason = [line for line in runtime.stderr.splitlines() if line.startswith("ERROR")][-1:] or [runtime.stderr.strip()[-200:]]
                print(f"NOT RUN import of {MODULE}: pip cannot install its dependency {requirement} here ({reason[0].strip()}); "
                      "the static checks above of the assembly the module loads stand in for it")
                return
        imported = subprocess.run(
            [python, "-c", f"import {MODULE}; print({MODULE}.SecureParameterTree.__name__, {MODULE}.ReadOnlyConfigGrant.__name__)"],
            capture_output=True, text=True,
        )
        check(imported.returncode == 0, f"import {MODULE} loads its jsii assembly {imported.stdout.strip()} {imported.stderr.strip()[-300:]}")


def main(dist):
    dist = pathlib.Path(dist)
    package = json.loads((ROOT / "package.json").read_text())
    assembly = json.loads((ROOT / ".jsii").read_text())
    wheel = one(sorted(dist.glob("*.whl")), "wheel")
    sdist = one(sorted(dist.glob("*.tar.gz")), "sdist")
    if not wheel or not sdist:
        return 1

    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata_name = next(n for n in names if n.endswith(".dist-info/METADATA"))
        metadata = email.parser.Parser().parsestr(archive.read(metadata_name).decode())
        init_source = archive.read(f"{MODULE}/__init__.py").decode()
        loader = archive.read(f"{MODULE}/_jsii/__init__.py").decode()
        tgz_name = f"cdk-secure-config@{package['version']}.jsii.tgz"
        has_tgz = f"{MODULE}/_jsii/{tgz_name}" in names
        tgz_bytes = archive.read(f"{MODULE}/_jsii/{tgz_name}") if has_tgz else None

    check(metadata["Name"] == "cdk-secure-config", f"wheel name is cdk-secure-config, got: {metadata['Name']}")
    check(metadata["Version"] == package["version"], f"wheel version is {package['version']}, got: {metadata['Version']}")
    requires = metadata.get_all("Requires-Dist") or []
    cdk_minimum = package["peerDependencies"]["aws-cdk-lib"].lstrip("^")
    parsed = {r.name: r for r in map(Requirement, requires)}
    check(set(parsed) >= {"aws-cdk-lib", "constructs", "jsii"}, f"wheel requires aws-cdk-lib, constructs and jsii, got: {requires}")
    cdk = parsed.get("aws-cdk-lib")
    check(cdk is not None and cdk.specifier.contains(cdk_minimum) and not cdk.specifier.contains("2.256.0"),
          f"wheel requires aws-cdk-lib from {cdk_minimum} like the npm package, got: {cdk}")
    check(metadata["Description-Content-Type"] == "text/markdown", "long description is Markdown")
    check_long_description(metadata.get_payload())

    check(has_tgz, f"wheel carries the jsii assembly {tgz_name}")
    check(f'"{tgz_name}"' in loader and "jsii.JSIIAssembly.load(" in loader, f"{MODULE}._jsii loads {tgz_name}")
    if tgz_bytes:
        check_assembly_tarball(tgz_bytes, assembly)
    check_bindings(init_source, assembly)

    with tarfile.open(sdist) as tar:
        sdist_names = tar.getnames()
    check(any(n.endswith(f"src/{MODULE}/_jsii/{tgz_name}") for n in sdist_names), "sdist carries the jsii assembly")
    check(any(n.endswith("/setup.py") for n in sdist_names), "sdist carries setup.py")

    check_import(wheel, requires)
    print(f"python package: {len(failures)} failed" if failures else "python package: all checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "dist/python"))
