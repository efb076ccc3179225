/**
 * Builds a Lambda handler for one database driver. The entry files pass their adapter in, so this
 * module (and everything it imports) never loads a driver.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { RotationConfiguration, rotationConfigurationFromEnv } from './configuration';
import { PasswordPolicy, RotationLog, runRotationStep } from './steps';
import { DatabaseAdapter, RotationEvent } from './types';
import {
  DEFAULT_EXCLUDE_CHARACTERS,
  DEFAULT_PASSWORD_LENGTH,
  HANDLER_PASSWORD_LENGTH,
  ROTATION_ENV,
} from '../../src/rotation/private/contract';
import { Redactor } from '../shared/redaction';

const { min: MIN_PASSWORD_LENGTH, max: MAX_PASSWORD_LENGTH } = HANDLER_PASSWORD_LENGTH;

export function passwordPolicyFromEnv(env: NodeJS.ProcessEnv = process.env): PasswordPolicy {
  const rawLength = env[ROTATION_ENV.PASSWORD_LENGTH];
  const length = rawLength === undefined || rawLength === '' ? DEFAULT_PASSWORD_LENGTH : Number(rawLength);
  if (!Number.isInteger(length) || length < MIN_PASSWORD_LENGTH || length > MAX_PASSWORD_LENGTH) {
    throw new Error(
      `\`${ROTATION_ENV.PASSWORD_LENGTH}\` must be an integer from ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH}, got: '${rawLength}'`,
    );
  }
  return {
    length,
    excludeCharacters: env[ROTATION_ENV.EXCLUDE_CHARACTERS] ?? DEFAULT_EXCLUDE_CHARACTERS,
  };
}

/** One JSON line per event: CloudWatch Logs Insights can filter on the fields. */
export const jsonLog: RotationLog = (message, fields = {}) => {
  console.log(JSON.stringify({ level: 'info', message, ...fields }));
};

export interface RotationHandlerOptions {
  readonly createAdapter: () => DatabaseAdapter;
  readonly secretsManager?: Pick<SecretsManagerClient, 'send'>;
  readonly log?: RotationLog;
  /** @default - read from the function's environment, as the construct set it */
  readonly configuration?: RotationConfiguration;
}

export function createRotationHandler(options: RotationHandlerOptions): (event: RotationEvent) => Promise<void> {
  // Created once per execution environment; the SDK reads AWS_ENDPOINT_URL and the region itself.
  const secretsManager = options.secretsManager ?? new SecretsManagerClient({});
  const log = options.log ?? jsonLog;

  return async (event: RotationEvent): Promise<void> => {
    const redactor = new Redactor();
    const safeLog: RotationLog = (message, fields = {}) => {
      const safeFields = Object.fromEntries(Object.entries(fields).map(([key, value]) =>
        [key, typeof value === 'string' ? redactor.redact(value) : value]));
      log(redactor.redact(message), safeFields);
    };
    try {
      await runRotationStep(event, {
        secretsManager,
        database: options.createAdapter(),
        passwordPolicy: passwordPolicyFromEnv(),
        configuration: options.configuration ?? rotationConfigurationFromEnv(),
        redactor,
        log: safeLog,
      });
    } catch (err) {
      // A fresh error: the original (and its cause chain) may carry driver text with SQL in it.
      const message = redactor.redact(`${event.Step} failed: ${(err as Error)?.message ?? String(err)}`);
      console.error(JSON.stringify({ level: 'error', message, step: event.Step, secretId: event.SecretId, token: event.ClientRequestToken }));
      const safe = new Error(message);
      safe.name = (err as Error)?.name && /^[A-Za-z]+$/.test((err as Error).name) ? (err as Error).name : 'Error';
      throw safe;
    }
  };
}
