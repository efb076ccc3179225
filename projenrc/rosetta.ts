import { awscdk } from 'projen';

/**
 * Every example of the README and the API docs is compiled by jsii-rosetta against the fixtures in
 * rosetta/, and translated: the build fails on an example that does not compile, and the tablet
 * it writes (.jsii.tabl.json, shipped in the npm package) is what jsii-pacmak and Construct Hub
 * use to show the examples in Python, Java, C# and Go.
 */
export function addRosetta(project: awscdk.AwsCdkConstructLibrary): void {
  const extract = project.addTask('rosetta:extract', {
    description: 'Compiles every README and API-doc example (strict) and writes the translations tablet .jsii.tabl.json',
    exec: 'jsii-rosetta extract --strict',
  });
  project.postCompileTask.spawn(extract);
  project.gitignore.exclude('/.jsii.tabl.json');
  project.npmignore?.include('/.jsii.tabl.json');
  project.npmignore?.exclude('/rosetta/');
}
