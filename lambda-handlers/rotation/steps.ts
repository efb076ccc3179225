/**
 * The four steps of Secrets Manager's rotation protocol for database users, independent of the
 * engine: the Secrets Manager client and the database adapter are injected.
 *
 * Every step is safe to run again after a crash at any point:
 * - createSecret reuses the AWSPENDING version of this token when it already has a value;
 * - setSecret first checks whether the pending password already works, and (single user) can
 *   log in with AWSPENDING, AWSCURRENT or AWSPREVIOUS, so a half-done rotation never locks out;
 * - finishSecret moves AWSCURRENT only if it is not already on the token's version.
 */
import {
  DescribeSecretCommand,
  DescribeSecretCommandOutput,
  GetRandomPasswordCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { DbSecret, parseDbSecret, withCredentials } from './secret-value';
import { DbCredentials, DatabaseAdapter, RotationEvent, ROTATION_STEPS } from './types';
import { alternateUsername, baseUsername, cloneUsername, validateAlternatingPair, validateUsername } from './usernames';
import { Redactor } from '../shared/redaction';

export const AWSCURRENT = 'AWSCURRENT';
export const AWSPENDING = 'AWSPENDING';
export const AWSPREVIOUS = 'AWSPREVIOUS';

export interface PasswordPolicy {
  readonly length: number;
  readonly excludeCharacters: string;
}

export type RotationLog = (message: string, fields?: Record<string, string | number | boolean>) => void;

export interface RotationDependencies {
  readonly secretsManager: Pick<SecretsManagerClient, 'send'>;
  readonly database: DatabaseAdapter;
  readonly passwordPolicy: PasswordPolicy;
  /** Receives every secret value as soon as it is read. */
  readonly redactor: Redactor;
  readonly log: RotationLog;
}

/** A version of the secret, parsed, with its raw JSON kept to preserve fields we do not know. */
interface SecretVersion {
  readonly secret: DbSecret;
  readonly secretString: string;
}

/** Runs one step of the rotation of `event.SecretId`. */
export async function runRotationStep(event: RotationEvent, deps: RotationDependencies): Promise<void> {
  if (!ROTATION_STEPS.includes(event.Step)) {
    throw new Error(`\`Step\` must be one of ${ROTATION_STEPS.join(', ')}, got: '${event.Step}'`);
  }
  const rotation = new SecretRotation(event, deps);
  const metadata = await rotation.describe();
  if (!rotation.mustRun(metadata)) return;

  switch (event.Step) {
    case 'createSecret':
      return rotation.createSecret();
    case 'setSecret':
      return rotation.setSecret();
    case 'testSecret':
      return rotation.testSecret();
    case 'finishSecret':
      return rotation.finishSecret(metadata);
  }
}

function isNotFound(err: unknown): boolean {
  return (err as { name?: string })?.name === 'ResourceNotFoundException';
}

class SecretRotation {
  private readonly sm: Pick<SecretsManagerClient, 'send'>;
  private readonly db: DatabaseAdapter;

  constructor(private readonly event: RotationEvent, private readonly deps: RotationDependencies) {
    this.sm = deps.secretsManager;
    this.db = deps.database;
  }

  public async describe(): Promise<DescribeSecretCommandOutput> {
    return this.sm.send(new DescribeSecretCommand({ SecretId: this.event.SecretId }));
  }

  /** Secrets Manager's entry checks. False when there is nothing left to do for this token. */
  public mustRun(metadata: DescribeSecretCommandOutput): boolean {
    const { SecretId: secretId, ClientRequestToken: token, Step: step } = this.event;
    if (!metadata.RotationEnabled) {
      throw new Error(`Secret ${secretId} does not have rotation enabled`);
    }
    const stages = metadata.VersionIdsToStages?.[token];
    if (!stages) {
      throw new Error(`Secret version ${token} has no stage for rotation of secret ${secretId}`);
    }
    if (stages.includes(AWSCURRENT)) {
      this.deps.log('Secret version is already AWSCURRENT: nothing to do', { step, secretId, token });
      return false;
    }
    if (!stages.includes(AWSPENDING)) {
      throw new Error(`Secret version ${token} is not staged AWSPENDING for rotation of secret ${secretId}`);
    }
    return true;
  }

  public async createSecret(): Promise<void> {
    const current = await this.getVersion({ stage: AWSCURRENT });
    const existing = await this.findPendingOfToken();
    if (existing) {
      this.log('AWSPENDING version of this token already has a value: keeping it');
      return;
    }

    const username = this.isAlternating(current.secret)
      ? alternateUsername(current.secret.username)
      : current.secret.username;
    this.validateUsers(current.secret);

    const generated = await this.sm.send(new GetRandomPasswordCommand({
      PasswordLength: this.deps.passwordPolicy.length,
      ExcludeCharacters: this.deps.passwordPolicy.excludeCharacters || undefined,
    }));
    const password = generated.RandomPassword;
    if (!password) throw new Error('GetRandomPassword returned no password');
    this.deps.redactor.add(password);

    await this.sm.send(new PutSecretValueCommand({
      SecretId: this.event.SecretId,
      ClientRequestToken: this.event.ClientRequestToken,
      SecretString: withCredentials(current.secretString, username, password),
      VersionStages: [AWSPENDING],
    }));
    this.log('Created AWSPENDING version', { username });
  }

  public async setSecret(): Promise<void> {
    const current = (await this.getVersion({ stage: AWSCURRENT })).secret;
    const pending = (await this.getVersion({ stage: AWSPENDING, versionId: this.event.ClientRequestToken })).secret;
    this.requireSameDatabase(current, pending);
    this.validateUsers(current);
    validateUsername(pending.engine, pending.username, 'AWSPENDING username');

    if (this.isAlternating(current)) {
      await this.setAlternatingUser(current, pending);
    } else {
      await this.setSingleUser(current, pending);
    }
  }

  public async testSecret(): Promise<void> {
    const pending = (await this.getVersion({ stage: AWSPENDING, versionId: this.event.ClientRequestToken })).secret;
    await this.db.testLogin(pending);
    this.log('AWSPENDING credentials log in', { username: pending.username });
  }

  public async finishSecret(metadata: DescribeSecretCommandOutput): Promise<void> {
    const token = this.event.ClientRequestToken;
    const currentVersion = Object.entries(metadata.VersionIdsToStages ?? {})
      .find(([, stages]) => stages.includes(AWSCURRENT))?.[0];
    if (currentVersion === token) return;
    await this.sm.send(new UpdateSecretVersionStageCommand({
      SecretId: this.event.SecretId,
      VersionStage: AWSCURRENT,
      MoveToVersionId: token,
      RemoveFromVersionId: currentVersion,
    }));
    this.log('Moved AWSCURRENT to the new version', { previousVersion: currentVersion ?? 'none' });
  }

  private async setSingleUser(current: DbSecret, pending: DbSecret): Promise<void> {
    if (pending.username !== current.username) {
      throw new Error(
        `AWSPENDING username '${pending.username}' differs from AWSCURRENT username '${current.username}'; ` +
        'a single-user secret keeps its user (add `masterarn` for alternating users)',
      );
    }
    if (await this.db.canLogin(pending)) {
      this.log('AWSPENDING password is already set', { username: pending.username });
      return;
    }
    if (await this.db.canLogin(current)) {
      await this.db.setPassword(current, pending.username, pending.password);
      this.log('Set the AWSPENDING password, logged in with AWSCURRENT', { username: pending.username });
      return;
    }
    const previous = await this.findVersion(AWSPREVIOUS);
    if (previous && previous.secret.username === pending.username) {
      const asPrevious: DbCredentials = { ...pending, password: previous.secret.password };
      if (await this.db.canLogin(asPrevious)) {
        await this.db.setPassword(asPrevious, pending.username, pending.password);
        this.log('Set the AWSPENDING password, logged in with AWSPREVIOUS', { username: pending.username });
        return;
      }
    }
    throw new Error(
      `setSecret: user '${pending.username}' logs in with none of the AWSPENDING, AWSCURRENT or AWSPREVIOUS ` +
      `passwords on ${pending.host}:${pending.port}; set one of them on the database, then rotate again`,
    );
  }

  private async setAlternatingUser(current: DbSecret, pending: DbSecret): Promise<void> {
    if (baseUsername(pending.username) !== baseUsername(current.username)) {
      throw new Error(
        `AWSPENDING username '${pending.username}' is not one of the alternating pair of '${current.username}'`,
      );
    }
    if (!(await this.db.canLogin(current))) {
      throw new Error(
        `setSecret: AWSCURRENT user '${current.username}' does not log in on ${current.host}:${current.port}; ` +
        'fix the AWSCURRENT credentials before rotating',
      );
    }
    const masterSecret = (await this.getVersion({ stage: AWSCURRENT, secretId: current.masterarn!, label: 'master secret' })).secret;
    // The clone must live on the server this secret points to, so only the master's user name and
    // password are taken from the master secret.
    const master: DbCredentials = { ...pending, username: masterSecret.username, password: masterSecret.password };

    const base = baseUsername(current.username);
    const clone = cloneUsername(current.username);
    if (pending.username === clone) {
      await this.db.ensureCloneLike(master, base, clone, pending.password);
    }
    await this.db.setPassword(master, pending.username, pending.password);
    this.log('Set the AWSPENDING password with the master credentials', { username: pending.username });
  }

  private isAlternating(secret: DbSecret): boolean {
    return secret.masterarn !== undefined;
  }

  private validateUsers(current: DbSecret): void {
    if (!this.db.engines.includes(current.engine)) {
      throw new Error(`\`engine\` must be one of ${this.db.engines.join(', ')} for this rotation function, got: '${current.engine}'`);
    }
    if (this.isAlternating(current)) {
      validateAlternatingPair(current.engine, current.username);
    } else {
      validateUsername(current.engine, current.username);
    }
  }

  /** Credentials of AWSPENDING must point to the same database: never send them elsewhere. */
  private requireSameDatabase(current: DbSecret, pending: DbSecret): void {
    for (const field of ['engine', 'host', 'port', 'dbname', 'tls'] as const) {
      if (current[field] !== pending[field]) {
        throw new Error(
          `AWSPENDING \`${field}\` differs from AWSCURRENT: got '${pending[field]}', expected '${current[field]}'`,
        );
      }
    }
  }

  private async getVersion(options: { stage: string; versionId?: string; secretId?: string; label?: string }): Promise<SecretVersion> {
    const response = await this.sm.send(new GetSecretValueCommand({
      SecretId: options.secretId ?? this.event.SecretId,
      VersionStage: options.stage,
      VersionId: options.versionId,
    }));
    const secretString = response.SecretString ?? '';
    this.deps.redactor.add(secretString);
    const secret = parseDbSecret(secretString, options.label ?? options.stage);
    this.deps.redactor.add(secret.password);
    return { secret, secretString };
  }

  private async findVersion(stage: string): Promise<SecretVersion | undefined> {
    try {
      return await this.getVersion({ stage });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** The AWSPENDING version of this token, if createSecret already gave it a value. */
  private async findPendingOfToken(): Promise<SecretVersion | undefined> {
    try {
      return await this.getVersion({ stage: AWSPENDING, versionId: this.event.ClientRequestToken });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  private log(message: string, fields: Record<string, string | number | boolean> = {}): void {
    const { Step: step, SecretId: secretId, ClientRequestToken: token } = this.event;
    this.deps.log(message, { step, secretId, token, ...fields });
  }
}
