import { awscdk } from 'projen';

/**
 * projen writes its publishing steps only into GitHub workflows, and this project has none
 * (`github: false`). Rendering the publisher's jobs for the release branch defines the same
 * steps as tasks (`publish:npm`, `publish:pypi`, `publish:maven`, `publish:nuget`,
 * `publish:golang`), runnable from any CI system with the registries' credentials; the jobs
 * themselves are dropped.
 */
export function addPublishTasks(project: awscdk.AwsCdkConstructLibrary): void {
  const publisher = project.release?.publisher;
  if (!publisher) throw new Error('addPublishTasks: the project has no release configuration');
  publisher._renderJobsForBranch(project.release!.branches[0], {});
}
