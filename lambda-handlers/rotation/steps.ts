/**
 * The four steps of Secrets Manager's rotation protocol for database users, independent of the
 * engine: the Secrets Manager client and the database adapter are injected.
 *
 * Every step is safe to run again after a crash at any point:
 * - createSecret reuses the AWSPENDING version of this token when it already has a value;
 * - setSecret first checks whether the pending password already works, and (single user) can
 *   log in with AWSPENDING, AWSCURRENT or AWSPREVIOUS, so a half-done rotation never locks out;
 * - finishSecret moves AWSCURRENT only if it is not already on the token's version.
 *
 * Every connection goes to the database of the function's configuration, with its TLS mode; a
 * secret that names another database, or less TLS, stops the rotation before any connection.
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
import { RotationConfiguration } from './configuration';
import { DbSecret, parseDbSecret, withCredentials } from './secret-value';
import { DbCredentials, DatabaseAdapter, RotationEvent, ROTATION_STEPS } from './types';
import {
  alternateUsername,
  baseUsername,
  cloneUsername,
  sameUsername,
  validateAlternatingPair,
  validateUsername,
} from './usernames';
import { ROTATION_ENV } from '../../src/rotation/private/contract';
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
  /** The database and master secret the construct configured. */
  readonly configuration: RotationConfiguration;
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
      return rotation.setSecret(metadata);
    case 'testSecret':
      return rotation.testSecret();
    case 'finishSecret':
      return rotation.finishSecret(metadata);
  }
}

/** No version has been AWSPREVIOUS yet: the secret was never rotated. */
function isFirstRotation(metadata: DescribeSecretCommandOutput): boolean {
  return !Object.values(metadata.VersionIdsToStages ?? {}).some((stages) => stages.includes(AWSPREVIOUS));
}

/**
 * Throws unless the secret names the configured database, TLS mode and master secret. A
 * difference means someone rewrote the secret: rotating it would send credentials elsewhere.
 */
function requireConfiguredDatabase(secret: DbSecret, label: string, configuration: RotationConfiguration): void {
  const { database } = configuration;
  const differs = (field: 'engine' | 'host' | 'port' | 'dbname'): boolean => field === 'host'
    ? secret.host.toLowerCase() !== database.host.toLowerCase()
    : secret[field] !== database[field];
  for (const field of ['engine', 'host', 'port', 'dbname'] as const) {
    if (differs(field)) {
      throw new Error(
        `${label} \`${field}\` must be the database this rotation function was deployed for ('${database[field]}'), got: '${secret[field]}'; ` +
        'credentials are only ever sent to that database: restore the field, then rotate again',
      );
    }
  }
  if (secret.tls !== undefined && secret.tls !== database.tls) {
    throw new Error(
      `${label} \`tls\` must be '${database.tls}' or absent, got: '${secret.tls}'; ` +
      "TLS is chosen by RotatingDbSecret's `insecurePlaintextConnections` prop, never by the secret",
    );
  }
  if (secret.masterarn !== configuration.masterSecretArn) {
    const expected = configuration.masterSecretArn ? `'${configuration.masterSecretArn}'` : 'absent (single user)';
    throw new Error(
      `${label} \`masterarn\` must be ${expected}, got: ${secret.masterarn ? `'${secret.masterarn}'` : 'no value'}; ` +
      "the master secret is chosen by RotatingDbSecret's `masterSecret` prop",
    );
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
    const current = await this.getApplicationVersion(AWSCURRENT);
    const existing = await this.findPendingOfToken();
    if (existing) {
      this.log('AWSPENDING version of this token already has a value: keeping it');
      return;
    }

    const username = this.isAlternating()
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

  public async setSecret(metadata: DescribeSecretCommandOutput): Promise<void> {
    const current = (await this.getApplicationVersion(AWSCURRENT)).secret;
    const pending = (await this.getApplicationVersion(AWSPENDING, this.event.ClientRequestToken)).secret;
    this.validateUsers(current);
    validateUsername(this.database.engine, pending.username, 'AWSPENDING username');

    if (this.isAlternating()) {
      await this.setAlternatingUser(current, pending, isFirstRotation(metadata));
    } else {
      await this.setSingleUser(current, pending);
    }
  }

  public async testSecret(): Promise<void> {
    const pending = (await this.getApplicationVersion(AWSPENDING, this.event.ClientRequestToken)).secret;
    await this.db.testLogin(this.credentials(pending));
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
    if (await this.db.canLogin(this.credentials(pending))) {
      this.log('AWSPENDING password is already set', { username: pending.username });
      return;
    }
    if (await this.db.canLogin(this.credentials(current))) {
      await this.db.setPassword(this.credentials(current), pending.username, pending.password);
      this.log('Set the AWSPENDING password, logged in with AWSCURRENT', { username: pending.username });
      return;
    }
    const previous = await this.findVersion(AWSPREVIOUS);
    if (previous && previous.secret.username === pending.username) {
      // Only the password of AWSPREVIOUS is used: the connection goes to the configured database.
      const asPrevious: DbCredentials = { ...this.credentials(pending), password: previous.secret.password };
      if (await this.db.canLogin(asPrevious)) {
        await this.db.setPassword(asPrevious, pending.username, pending.password);
        this.log('Set the AWSPENDING password, logged in with AWSPREVIOUS', { username: pending.username });
        return;
      }
    }
    throw new Error(
      `setSecret: user '${pending.username}' logs in with none of the AWSPENDING, AWSCURRENT or AWSPREVIOUS ` +
      `passwords on ${this.database.host}:${this.database.port}; set one of them on the database, then rotate again`,
    );
  }

  private async setAlternatingUser(current: DbSecret, pending: DbSecret, firstRotation: boolean): Promise<void> {
    if (baseUsername(pending.username) !== baseUsername(current.username)) {
      throw new Error(
        `AWSPENDING username '${pending.username}' is not one of the alternating pair of '${current.username}'`,
      );
    }
    // Before any connection: the master must not be one of the pair it manages.
    const master = await this.masterCredentials(current.username);
    if (!(await this.db.canLogin(this.credentials(current)))) {
      await this.bootstrapBaseUser(master, current, firstRotation);
    }

    const base = baseUsername(current.username);
    const clone = cloneUsername(current.username);
    if (pending.username === clone) {
      await this.db.ensureCloneLike(master, base, clone, pending.password);
    }
    await this.db.setPassword(master, pending.username, pending.password);
    this.log('Set the AWSPENDING password with the master credentials', { username: pending.username });
  }

  /**
   * The first rotation of a new secret: the base user may not exist yet, or not have the password
   * Secrets Manager generated at deployment. The master creates it, or sets that password. Later
   * rotations never do this: a current user that stopped logging in was changed on purpose or by
   * mistake, and a person should look.
   */
  private async bootstrapBaseUser(master: DbCredentials, current: DbSecret, firstRotation: boolean): Promise<void> {
    const where = `${this.database.host}:${this.database.port}`;
    if (!firstRotation || current.username !== baseUsername(current.username)) {
      throw new Error(
        `setSecret: AWSCURRENT user '${current.username}' does not log in on ${where}; ` +
        'fix the AWSCURRENT credentials before rotating',
      );
    }
    await this.db.ensureUser(master, current.username, current.password);
    this.log('First rotation: the master created the base user or set its password to AWSCURRENT', { username: current.username });
    if (!(await this.db.canLogin(this.credentials(current)))) {
      throw new Error(
        `setSecret: user '${current.username}' still does not log in on ${where} after the master set its password; ` +
        'check that it may log in (PostgreSQL: LOGIN, and CONNECT on the database)',
      );
    }
  }

  /** The master's user name and password, from the configured master secret only. */
  private async masterCredentials(applicationUsername: string): Promise<DbCredentials> {
    const masterSecret = (await this.getVersion({
      stage: AWSCURRENT,
      secretId: this.deps.configuration.masterSecretArn!,
      label: 'master secret',
    })).secret;
    const pair = [baseUsername(applicationUsername), cloneUsername(applicationUsername)];
    if (pair.some((user) => sameUsername(user, masterSecret.username))) {
      throw new Error(
        `the master secret's user '${masterSecret.username}' is one of the alternating pair ${pair.map((u) => `'${u}'`).join(' and ')}: ` +
        "rotating it would change the master's password behind the master secret; give RotatingDbSecret another `username`",
      );
    }
    return { ...this.database, username: masterSecret.username, password: masterSecret.password };
  }

  private isAlternating(): boolean {
    return this.deps.configuration.masterSecretArn !== undefined;
  }

  private get database(): RotationConfiguration['database'] {
    return this.deps.configuration.database;
  }

  /** The secret's user and password, on the configured database. */
  private credentials(secret: DbSecret): DbCredentials {
    return { ...this.database, username: secret.username, password: secret.password };
  }

  private validateUsers(current: DbSecret): void {
    const engine = this.database.engine;
    if (!this.db.engines.includes(engine)) {
      throw new Error(`\`${ROTATION_ENV.DATABASE_ENGINE}\` must be one of ${this.db.engines.join(', ')} for this rotation function, got: '${engine}'`);
    }
    if (this.isAlternating()) {
      validateAlternatingPair(engine, current.username);
    } else {
      validateUsername(engine, current.username);
    }
  }

  /** A version of the application secret, refused unless it names the configured database. */
  private async getApplicationVersion(stage: string, versionId?: string): Promise<SecretVersion> {
    const version = await this.getVersion({ stage, versionId });
    requireConfiguredDatabase(version.secret, stage, this.deps.configuration);
    return version;
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
