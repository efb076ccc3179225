import { Duration, Token } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
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

/**
 * Public Parameter Store parameters in which AWS publishes, in every Region, the ARN of the
 * extension's current layer version, one per architecture (Systems Manager user guide,
 * "AWS Parameters and Secrets Lambda Extension ARNs").
 */
export const PUBLISHED_LAYER_PARAMETERS: Readonly<Record<string, string>> = {
  [lambda.Architecture.X86_64.name]: '/aws/service/aws-parameters-and-secrets-lambda-extension/x86/latest',
  [lambda.Architecture.ARM_64.name]: '/aws/service/aws-parameters-and-secrets-lambda-extension/arm64/latest',
};

const LAYER_VERSION_ARN = /^arn:[a-z-]+:lambda:[a-z0-9-]+:\d{12}:layer:[a-zA-Z0-9_-]+:\d+$/;

function validateLayerArn(arn: string): void {
  if (Token.isUnresolved(arn)) return;
  if (!LAYER_VERSION_ARN.test(arn)) {
    throw new Error(
      `\`extensionLayerArn\` must be a layer version ARN (arn:<partition>:lambda:<region>:<account>:layer:<name>:<version>), got: '${arn}'`,
    );
  }
}

/**
 * The ARN of the layer AWS currently publishes for the function's Region and architecture,
 * read at deploy time: an `AWS::SSM::Parameter::Value<String>` stack parameter, which
 * CloudFormation resolves again on every deployment, so a new release reaches the function
 * with the next deployment.
 */
function publishedLayerArn(scope: Construct, fn: lambda.IFunction): string {
  const parameterName = PUBLISHED_LAYER_PARAMETERS[fn.architecture.name];
  if (!parameterName) {
    throw new Error(
      `\`consumer\` ${fn.node.path} runs on architecture '${fn.architecture.name}', for which AWS publishes no ` +
      `Parameters and Secrets Lambda Extension (supported: ${Object.keys(PUBLISHED_LAYER_PARAMETERS).join(', ')}); ` +
      'pin one with `extensionLayerArn` or set `extensionEnabled: false`',
    );
  }
  return ssm.StringParameter.valueForStringParameter(scope, parameterName);
}

/** The extension with this library's defaults and checks, at the pinned or the published layer. */
export function paramsAndSecretsLayer(options: ConfigExtensionOptions): lambda.ParamsAndSecretsLayerVersion {
  const ttl = options.extensionTtl ?? Duration.seconds(EXTENSION_MAX_TTL_SECONDS);
  const cacheSize = options.extensionCacheSize ?? EXTENSION_MAX_CACHE_SIZE;
  const timeout = options.extensionRequestTimeout ?? Duration.seconds(2);
  validateTtl(ttl);
  validateCacheSize(cacheSize);
  validateRequestTimeout(timeout);
  const settings: lambda.ParamsAndSecretsOptions = {
    cacheEnabled: true,
    cacheSize,
    parameterStoreTtl: ttl,
    secretsManagerTtl: ttl,
    parameterStoreTimeout: timeout,
    secretsManagerTimeout: timeout,
    logLevel: options.extensionLogLevel ?? lambda.ParamsAndSecretsLogLevel.WARN,
  };
  if (options.extensionLayerArn !== undefined) {
    validateLayerArn(options.extensionLayerArn);
    return lambda.ParamsAndSecretsLayerVersion.fromVersionArn(options.extensionLayerArn, settings);
  }
  // aws-cdk-lib's own versions stop at 1.0.103 (2023) and its class cannot be subclassed (private
  // constructor), so the ARN-based extension keeps aws-cdk-lib's handling of the settings and only
  // its layer ARN is chosen when a function binds it, once the function's architecture is known.
  const extension = lambda.ParamsAndSecretsLayerVersion.fromVersionArn('(chosen when a function binds the extension)', settings);
  const bindSettings = extension._bind.bind(extension);
  extension._bind = (scope, fn) => ({ ...bindSettings(scope, fn), arn: publishedLayerArn(scope, fn) });
  return extension;
}

/** Id aws-cdk-lib gives the extension's layer under a function built with `paramsAndSecrets`. */
const EXTENSION_LAYER_ID = 'ParamsAndSecretsLayer';

/**
 * Attaches the extension to a function that was built without it, exactly as `lambda.Function`
 * does for its `paramsAndSecrets` prop: the layer ARN for the function's architecture and the
 * extension's settings as environment variables. Returns false, changing nothing, when the function already has it.
 */
export function attachExtension(fn: lambda.Function, layer: lambda.ParamsAndSecretsLayerVersion): boolean {
  if (fn.node.tryFindChild(EXTENSION_LAYER_ID)) return false;
  // `_bind` is what `lambda.Function` itself calls; aws-cdk-lib offers no public way to add the
  // extension after construction, and this keeps the settings in aws-cdk-lib's hands.
  const bound = layer._bind(fn, fn);
  fn.addLayers(lambda.LayerVersion.fromLayerVersionArn(fn, EXTENSION_LAYER_ID, bound.arn));
  for (const [name, value] of Object.entries(bound.environmentVars)) {
    fn.addEnvironment(name, String(value));
  }
  return true;
}
