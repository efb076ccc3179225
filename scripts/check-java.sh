#!/usr/bin/env bash
# Generates the Java package's code with jsii-pacmak (examples translated from the rosetta tablet)
# and checks what can be checked offline: the Maven coordinates, one source file per type of the
# assembly, the bundled assembly, and that every file parses. Compiling needs the jsii Java
# runtime, aws-cdk-lib and constructs jars, which come only from Maven Central: unreachable here.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v java >/dev/null || { echo "check-java: no java on PATH: apt-get install default-jdk-headless" >&2; exit 1; }

rm -rf dist/java-code
npx jsii-pacmak --target java --code-only --outdir dist/java-code
project=dist/java-code/java

pom="$project/pom.xml"
for expected in '<groupId>io.github.cdk-secure-config</groupId>' '<artifactId>cdk-secure-config</artifactId>'; do
  grep -q "$expected" "$pom" || { echo "java: $pom lacks $expected" >&2; exit 1; }
done
echo "java: pom.xml names io.github.cdk-secure-config:cdk-secure-config"

package_dir="$project/src/main/java/io/github/cdksecureconfig"
missing="$(node -e '
  const fs = require("fs");
  const types = Object.keys(JSON.parse(fs.readFileSync(".jsii", "utf8")).types).map((fqn) => fqn.split(".").pop());
  console.log(types.filter((name) => !fs.existsSync(`${process.argv[1]}/${name}.java`)).join(" "));
' "$package_dir")"
[ -z "$missing" ] || { echo "java: no source for $missing" >&2; exit 1; }
echo "java: one source per type of the assembly"

# The API docs carry examples translated to Java by rosetta, not TypeScript.
grep -q 'SecureParameterTree.Builder.create(this, "Config")' "$package_dir/SecureParameterTree.java" \
  || { echo "java: SecureParameterTree's example is not in Java" >&2; exit 1; }
echo "java: the examples in the docs are Java"

ls "$project"/src/main/resources/io/github/cdksecureconfig/*.jsii.tgz >/dev/null \
  || { echo "java: the assembly tarball is missing from the resources" >&2; exit 1; }
echo "java: the assembly tarball is bundled as a resource"

java scripts/JavaSyntaxCheck.java "$project/src"
