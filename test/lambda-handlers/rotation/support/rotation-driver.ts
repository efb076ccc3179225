/**
 * Runs rotation steps the way Secrets Manager invokes the function, through the real handler
 * factory, capturing every log line so tests can look for leaked secrets.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { bridge, secretsManager as motoSecretsManager } from './secrets';
import { createRotationHandler } from '../../../../lambda-handlers/rotation/handler';
import { DatabaseAdapter, ROTATION_STEPS, RotationStep } from '../../../../lambda-handlers/rotation/types';

export class RotationDriver {
  /** Log lines and error messages the handler produced. */
  public readonly output: string[] = [];

  constructor(
    private readonly createAdapter: () => DatabaseAdapter,
    private readonly secretsManager: Pick<SecretsManagerClient, 'send'> = bridge(motoSecretsManager),
  ) {}

  public async step(secretId: string, token: string, step: RotationStep): Promise<void> {
    const handler = createRotationHandler({
      createAdapter: this.createAdapter,
      secretsManager: this.secretsManager,
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
