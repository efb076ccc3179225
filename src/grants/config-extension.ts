import { Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';

/**
 * Settings of the AWS Parameters and Secrets Lambda Extension. Flat and prefixed with `extension`
 * so that the grant's props can include them.
 */
export interface ConfigExtensionOptions {
  /**
   * How many parameters and secrets the extension keeps in its cache (0 to 1000).
   *
   * @default 1000
   */
  readonly extensionCacheSize?: number;

  /**
   * How long a cached parameter or secret is served before the extension asks again.
   * The extension accepts at most 300 seconds. A rotated secret may be served stale for this long.
   *
   * @default Duration.seconds(300)
   */
  readonly extensionTtl?: Duration;

  /**
   * Timeout of each request the extension makes to Parameter Store and Secrets Manager. The
   * extension itself has none by default, so a slow call would hold the function until its own
   * timeout.
   *
   * @default Duration.seconds(2)
   */
  readonly extensionRequestTimeout?: Duration;

  /**
   * Log level of the extension.
   *
   * @default lambda.ParamsAndSecretsLogLevel.WARN
   */
  readonly extensionLogLevel?: lambda.ParamsAndSecretsLogLevel;

  /**
   * An exact layer version ARN of the extension to use instead of the current one, for the
   * function's Region and architecture (AWS lists them in the Systems Manager user guide, e.g.
   * `arn:aws:lambda:us-east-1:177933569100:layer:AWS-Parameters-and-Secrets-Lambda-Extension:99`).
   * A pinned layer changes only when you change it.
   *
   * @default - the layer AWS publishes as current for the function's Region and architecture in the
   * public parameter `/aws/service/aws-parameters-and-secrets-lambda-extension/x86/latest` (or
   * `.../arm64/latest`), read by CloudFormation at every deployment
   */
  readonly extensionLayerArn?: string;
}
