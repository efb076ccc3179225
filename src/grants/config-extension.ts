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
}
