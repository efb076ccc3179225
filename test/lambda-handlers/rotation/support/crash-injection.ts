/**
 * Makes the rotation crash right after its k-th external call (a Secrets Manager request or a
 * database adapter call), the way a Lambda timeout or a lost container would: the call has taken
 * effect, the step has not finished.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DatabaseAdapter } from '../../../../lambda-handlers/rotation/types';

export class InjectedCrash extends Error {}

export class CrashInjector {
  /** External calls made so far. */
  public calls = 0;
  /** Crash after this call (1-based); undefined for no crash. */
  public crashAfter: number | undefined;
  /** What the crash interrupted, for failure messages. */
  public crashedAt: string | undefined;

  public async around<T>(label: string, call: () => Promise<T>): Promise<T> {
    const result = await call();
    this.calls++;
    if (this.calls === this.crashAfter) {
      this.crashedAt = label;
      throw new InjectedCrash(`injected crash after external call ${this.calls} (${label})`);
    }
    return result;
  }

  public wrapSecretsManager(client: Pick<SecretsManagerClient, 'send'>): Pick<SecretsManagerClient, 'send'> {
    return {
      send: ((command: any, ...rest: any[]) =>
        this.around(`SecretsManager ${command.constructor.name}`, () => (client.send as any)(command, ...rest))) as SecretsManagerClient['send'],
    };
  }

  public wrapAdapter(adapter: DatabaseAdapter): DatabaseAdapter {
    return {
      engines: adapter.engines,
      canLogin: (c) => this.around('database canLogin', () => adapter.canLogin(c)),
      setPassword: (as, user, password) => this.around('database setPassword', () => adapter.setPassword(as, user, password)),
      ensureCloneLike: (m, base, clone, password) =>
        this.around('database ensureCloneLike', () => adapter.ensureCloneLike(m, base, clone, password)),
      ensureUser: (m, user, password) => this.around('database ensureUser', () => adapter.ensureUser(m, user, password)),
      testLogin: (c) => this.around('database testLogin', () => adapter.testLogin(c)),
    };
  }
}
