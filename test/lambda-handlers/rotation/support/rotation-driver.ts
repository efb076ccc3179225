/**
 * Runs rotation steps the way Secrets Manager invokes the function, through the real handler
 * factory, capturing every log line so tests can look for leaked secrets.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { bridge, secretAt, secretsManager as motoSecretsManager } from './secrets';
import { RotationConfiguration } from '../../../../lambda-handlers/rotation/configuration';
import { createRotationHandler } from '../../../../lambda-handlers/rotation/handler';
import { DatabaseAdapter, ROTATION_STEPS, RotationStep } from '../../../../lambda-handlers/rotation/types';
import { TlsMode } from '../../../../src/rotation/private/contract';

/**
 * What RotatingDbSecret would put in the function's environment for a secret made by the test:
 * its database as first written, in plaintext (the test servers have no certificate Node trusts).
 */
export async function configurationOf(secretId: string): Promise<RotationConfiguration> {
  const initial = await secretAt(secretId, 'AWSCURRENT');
  if (!initial) throw new Error(`test secret ${secretId} has no AWSCURRENT version`);
  return {
    database: { engine: initial.engine, host: initial.host, port: initial.port, dbname: initial.dbname, tls: TlsMode.DISABLE },
    masterSecretArn: initial.masterarn,
  };
}

export class RotationDriver {
  /** Log lines and error messages the handler produced. */
  public readonly output: string[] = [];

  /** Per secret: the configuration of the function that rotates it, fixed at its first step. */
  private readonly configurations = new Map<string, RotationConfiguration>();

  /**
   * @param configuration the function's configuration; @default - `configurationOf` the secret,
   *   read before the driver's first step on it
   */
  constructor(
    private readonly createAdapter: () => DatabaseAdapter,
    private readonly secretsManager: Pick<SecretsManagerClient, 'send'> = bridge(motoSecretsManager),
    private readonly configuration?: RotationConfiguration,
  ) {}

  public async step(secretId: string, token: string, step: RotationStep): Promise<void> {
    if (!this.configurations.has(secretId)) {
      this.configurations.set(secretId, this.configuration ?? await configurationOf(secretId));
    }
    const handler = createRotationHandler({
      createAdapter: this.createAdapter,
      secretsManager: this.secretsManager,
      configuration: this.configurations.get(secretId),
      log: (message, fields) => this.output.push(JSON.stringify({ message, ...fields })),
    });
    const errorSpy = jest.spyOn(console, 'error').mockImplementation((...args) => {
      this.output.push(args.map(String).join(' '));
    });
    try {
      await handler({ SecretId: secretId, ClientRequestToken: token, Step: step });
    } catch (err) {
      this.output.push(String((err as Error).message), String((err as Error).stack));
      throw err;
    } finally {
      errorSpy.mockRestore();
    }
  }

  public async rotate(secretId: string, token: string): Promise<void> {
    for (const step of ROTATION_STEPS) {
      await this.step(secretId, token, step);
    }
  }
}
