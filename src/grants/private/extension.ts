import { Duration, Token } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { ConfigExtensionOptions } from '../config-extension';

/** The extension's maximum cache TTL. */
export const EXTENSION_MAX_TTL_SECONDS = 300;
/** The extension's maximum cache size. */
export const EXTENSION_MAX_CACHE_SIZE = 1000;

function validateTtl(ttl: Duration): void {
  if (ttl.isUnresolved()) return;
  const seconds = ttl.toSeconds({ integral: false });
  if (seconds < 0 || seconds > EXTENSION_MAX_TTL_SECONDS) {
    throw new Error(`\`extensionTtl\` must be between 0 and ${EXTENSION_MAX_TTL_SECONDS} seconds (the extension's limit), got: ${seconds} seconds`);
  }
}

function validateCacheSize(size: number): void {
  if (Token.isUnresolved(size)) return;
  if (!Number.isInteger(size) || size < 0 || size > EXTENSION_MAX_CACHE_SIZE) {
    throw new Error(`\`extensionCacheSize\` must be a whole number from 0 to ${EXTENSION_MAX_CACHE_SIZE}, got: ${size}`);
  }
}

function validateRequestTimeout(timeout: Duration): void {
  if (timeout.isUnresolved()) return;
  const millis = timeout.toMilliseconds({ integral: false });
  if (!Number.isInteger(millis) || millis <= 0) {
    throw new Error(`\`extensionRequestTimeout\` must be a whole number of milliseconds above 0 (0 would mean no timeout), got: ${millis} ms`);
  }
}

/** The extension as aws-cdk-lib describes it, with this library's defaults and checks. */
export function paramsAndSecretsLayer(options: ConfigExtensionOptions): lambda.ParamsAndSecretsLayerVersion {
  const ttl = options.extensionTtl ?? Duration.seconds(EXTENSION_MAX_TTL_SECONDS);
  const cacheSize = options.extensionCacheSize ?? EXTENSION_MAX_CACHE_SIZE;
  const timeout = options.extensionRequestTimeout ?? Duration.seconds(2);
  validateTtl(ttl);
  validateCacheSize(cacheSize);
  validateRequestTimeout(timeout);
  return lambda.ParamsAndSecretsLayerVersion.fromVersion(lambda.ParamsAndSecretsVersions.V1_0_103, {
    cacheEnabled: true,
    cacheSize,
    parameterStoreTtl: ttl,
    secretsManagerTtl: ttl,
    parameterStoreTimeout: timeout,
    secretsManagerTimeout: timeout,
    logLevel: options.extensionLogLevel ?? lambda.ParamsAndSecretsLogLevel.WARN,
  });
}

/** Id aws-cdk-lib gives the extension's layer under a function built with `paramsAndSecrets`. */
const EXTENSION_LAYER_ID = 'ParamsAndSecretsLayer';

/**
 * Attaches the extension to a function that was built without it, exactly as `lambda.Function`
 * does for its `paramsAndSecrets` prop: the layer ARN for the function's region and architecture
 * (a regional mapping when the stack's region is unknown at synth) and the extension's settings
 * as environment variables. Returns false, changing nothing, when the function already has it.
 */
export function attachExtension(fn: lambda.Function, layer: lambda.ParamsAndSecretsLayerVersion): boolean {
  if (fn.node.tryFindChild(EXTENSION_LAYER_ID)) return false;
  // `_bind` is what `lambda.Function` itself calls; aws-cdk-lib offers no public way to add the
  // extension after construction, and this keeps ARNs and settings in aws-cdk-lib's hands.
  const bound = layer._bind(fn, fn);
  fn.addLayers(lambda.LayerVersion.fromLayerVersionArn(fn, EXTENSION_LAYER_ID, bound.arn));
  for (const [name, value] of Object.entries(bound.environmentVars)) {
    fn.addEnvironment(name, String(value));
  }
  return true;
}
