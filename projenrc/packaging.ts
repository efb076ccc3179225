import { awscdk } from 'projen';

/**
 * What CI builds and checks for each jsii language on a machine that reaches only the npm
 * registry and Debian's packages. projen's own package:python/java/dotnet/go tasks stay as they
 * are for a machine that reaches PyPI, Maven Central, NuGet and Go modules.
 */
export function addLanguagePackaging(project: awscdk.AwsCdkConstructLibrary): void {
  const python = project.addTask('python:build', {
    description: 'Builds dist/python (sdist and wheel) from jsii-pacmak\'s generated code with Debian\'s build tools, and checks them',
    exec: 'bash scripts/package-python.sh',
  });
  const java = project.addTask('java:check', {
    description: 'Generates the Java package\'s code and checks it offline (coordinates, one source per type, Java examples, syntax)',
    exec: 'bash scripts/check-java.sh',
  });

  // `package` runs in every build, `package-all` in a CI build: both build what can be built here.
  for (const task of [project.packageTask, project.tasks.tryFind('package-all')!]) {
    task.reset();
    task.spawn(project.tasks.tryFind('package:js')!);
    task.spawn(python);
    task.spawn(java);
  }

  // The build's tests run on the pinned, oldest supported aws-cdk-lib; this runs the construct
  // tests again on the newest release in the registry (CI calls it after the build).
  project.testTask.prependExec('node -e "console.log(\'tests on aws-cdk-lib@\' + require(\'aws-cdk-lib/package.json\').version)"');
  project.addTask('test:newest-cdk', {
    description: 'Runs the construct tests on the newest aws-cdk-lib in the registry (installed without saving, then the pinned one is put back)',
    exec: 'bash scripts/test-newest-cdk.sh',
  });

  project.npmignore?.exclude('/scripts/');
}
