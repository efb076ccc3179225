/**
 * Synth-time checks of RotatingDbSecret's props. Each throws with the property name and the
 * value received, and skips values that are unresolved tokens (known only at deploy time).
 */
import { Duration, RemovalPolicy, Token } from 'aws-cdk-lib';
import { CLONE_SUFFIX, IDENTIFIER_PATTERN, PASSWORD_LENGTH, reservedUsernameReason } from './contract';
import { engineFacts } from './engines';
import { describeReceived, requireObjectWith } from '../../private/input-checks';
import { DatabaseEngine } from '../database-engine';
import { RotationStrategy } from '../rotation-strategy';

export const MIN_ROTATION_SCHEDULE = Duration.hours(4);
export const MAX_ROTATION_SCHEDULE = Duration.days(1000);

/**
 * JavaScript and Python callers get no compile-time check: a missing or mistyped prop must fail
 * with its name and value, not with `Cannot read properties of undefined`.
 */
export function requireType(value: unknown, property: string, type: 'string' | 'number' | 'boolean', optional = false): void {
  if (optional && value === undefined) return;
  if (typeof value !== type || (type === 'number' && Number.isNaN(value))) {
    throw new Error(`\`${property}\` must be a ${type}${optional ? ' when given' : ''}, got: ${describeReceived(value)}`);
  }
}

/** Requires an object, and `member` on it when named (how jsii interfaces are recognised). */
export function requireObject(value: unknown, property: string, what: string, member?: string, optional = false): void {
  if (optional && value === undefined) return;
  requireObjectWith(value, property, what, member);
}

function requireOneOf(value: unknown, property: string, allowed: Record<string, string>, label: string): void {
  if (value === undefined) return;
  if (!(Object.values(allowed) as unknown[]).includes(value)) {
    throw new Error(`\`${property}\` must be one of ${label}.${Object.keys(allowed).join(`, ${label}.`)}, got: ${describeReceived(value)}`);
  }
}

/** The shapes of RotatingDbSecret's props, checked before any of them is used. */
export function validatePropTypes(props: unknown): void {
  requireObject(props, 'props', 'an object with at least `target`, `username` and `databaseName`');
  const p = props as Record<string, unknown>;
  requireObject(p.target, 'target', 'a DatabaseTarget (DatabaseTarget.instance(db), .cluster(db) or .endpoint({...}))', 'config');
  requireType(p.username, 'username', 'string');
  requireType(p.databaseName, 'databaseName', 'string');
  requireOneOf(p.engine, 'engine', DatabaseEngine, 'DatabaseEngine');
  requireOneOf(p.strategy, 'strategy', RotationStrategy, 'RotationStrategy');
  requireOneOf(p.removalPolicy, 'removalPolicy', RemovalPolicy, 'RemovalPolicy');
  requireType(p.passwordLength, 'passwordLength', 'number', true);
  requireType(p.excludeCharacters, 'excludeCharacters', 'string', true);
  requireType(p.secretName, 'secretName', 'string', true);
  requireType(p.logRetention, 'logRetention', 'number', true);
  for (const flag of ['rotateImmediatelyOnUpdate', 'createSecretsManagerEndpoint', 'insecurePlaintextConnections']) {
    requireType(p[flag], flag, 'boolean', true);
  }
  requireObject(p.rotationSchedule, 'rotationSchedule', 'a Duration, such as Duration.days(30)', 'toMilliseconds', true);
  requireObject(p.masterSecret, 'masterSecret', 'a secretsmanager.ISecret', 'secretArn', true);
  requireObject(p.encryptionKey, 'encryptionKey', 'a kms.IKey', 'keyArn', true);
  requireObject(p.vpc, 'vpc', 'an ec2.IVpc', 'vpcId', true);
  requireObject(p.publishTo, 'publishTo', 'a ConnectionFactsDestination ({ tree, prefix })', 'tree', true);
  if (p.publishTo !== undefined) requireType((p.publishTo as Record<string, unknown>).prefix, 'publishTo.prefix', 'string');
}

/**
 * The application user must not be the master: rotating it would change the master's password
 * behind the master secret's back. Only names known at synth time can be compared.
 */
export function validateNotMasterUser(username: string, strategy: RotationStrategy, masterUsernames: Array<[string, string]>): void {
  if (Token.isUnresolved(username)) return;
  const users = strategy === RotationStrategy.ALTERNATING_USERS ? [username, username + CLONE_SUFFIX] : [username];
  for (const [master, source] of masterUsernames) {
    const clash = users.find((user) => user.toLowerCase() === master.toLowerCase());
    if (clash) {
      const what = clash === username ? '' : ` (its alternate '${clash}' is)`;
      throw new Error(
        `\`username\` must not be the database's master user '${master}' (known from ${source})${what}, got: '${username}'. ` +
        "Rotating it as an application user would change the master's password and lock the master secret out",
      );
    }
  }
}

export function validateUsername(username: string, engine: DatabaseEngine, strategy: RotationStrategy): void {
  if (Token.isUnresolved(username)) return;
  if (!IDENTIFIER_PATTERN.test(username)) {
    throw new Error(`\`username\` must start with a letter or '_' and contain only letters, digits and '_', got: '${username}'`);
  }
  const facts = engineFacts(engine);
  const alternating = strategy === RotationStrategy.ALTERNATING_USERS;
  const limit = facts.maxUsernameLength - (alternating ? CLONE_SUFFIX.length : 0);
  if (username.length > limit) {
    const why = alternating
      ? `${facts.displayName} allows ${facts.maxUsernameLength} characters and the alternating-users strategy appends '${CLONE_SUFFIX}'`
      : `${facts.displayName} allows ${facts.maxUsernameLength} characters`;
    throw new Error(`\`username\` must be at most ${limit} characters (${why}), got: '${username}' (${username.length} characters)`);
  }
  const reserved = reservedUsernameReason(facts.secretEngine, username);
  if (reserved) {
    throw new Error(`\`username\` must not be a user ${facts.displayName} or Amazon RDS keeps for itself (${reserved}), got: '${username}'`);
  }
}

export function validateDatabaseName(databaseName: string, engine: DatabaseEngine): void {
  if (Token.isUnresolved(databaseName)) return;
  if (!IDENTIFIER_PATTERN.test(databaseName)) {
    throw new Error(`\`databaseName\` must start with a letter or '_' and contain only letters, digits and '_', got: '${databaseName}'`);
  }
  const facts = engineFacts(engine);
  if (databaseName.length > facts.maxDatabaseNameLength) {
    throw new Error(`\`databaseName\` must be at most ${facts.maxDatabaseNameLength} characters for ${facts.displayName}, got: '${databaseName}'`);
  }
}

export function validatePort(port: number): void {
  if (Token.isUnresolved(port)) return;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`\`port\` must be an integer from 1 to 65535, got: ${port}`);
  }
}

export function validateHost(host: string): void {
  if (Token.isUnresolved(host)) return;
  if (host.trim() === '' || /\s/.test(host)) {
    throw new Error(`\`host\` must be a host name or IP address without spaces, got: '${host}'`);
  }
}

export function validatePasswordLength(length: number): void {
  if (Token.isUnresolved(length)) {
    throw new Error('`passwordLength` must be a number known at synth time, got a token');
  }
  if (!Number.isInteger(length) || length < PASSWORD_LENGTH.min || length > PASSWORD_LENGTH.max) {
    throw new Error(`\`passwordLength\` must be an integer from ${PASSWORD_LENGTH.min} to ${PASSWORD_LENGTH.max}, got: ${length}`);
  }
}

/**
 * Secrets Manager puts at least one upper-case letter, lower-case letter, digit and punctuation
 * character in each password it generates, so each of those classes must keep a member.
 */
export function validateExcludeCharacters(excludeCharacters: string): void {
  if (Token.isUnresolved(excludeCharacters)) {
    throw new Error('`excludeCharacters` must be a string known at synth time, got a token');
  }
  const excluded = new Set(excludeCharacters);
  const classes: Array<[string, string]> = [
    ['upper-case letter', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'],
    ['lower-case letter', 'abcdefghijklmnopqrstuvwxyz'],
    ['digit', '0123456789'],
    ['punctuation character', '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'],
  ];
  const emptied = classes.filter(([, members]) => [...members].every((c) => excluded.has(c))).map(([name]) => name);
  if (emptied.length > 0) {
    throw new Error(`\`excludeCharacters\` must leave at least one ${emptied.join(', one ')} to generate passwords from, got: '${excludeCharacters}'`);
  }
}

/**
 * Secrets Manager takes `rate(N hours)` or `rate(N days)` with whole N, as often as every 4 hours
 * and at most every 1000 days. Intervals of a day or more are taken in whole days, because an
 * hourly rate's window starts at midnight and must not run into the next UTC day.
 */
export function validateRotationSchedule(schedule: Duration): void {
  if (schedule.isUnresolved()) return;
  const millis = schedule.toMilliseconds();
  const got = `got: ${schedule.toHumanString()}`;
  if (millis < MIN_ROTATION_SCHEDULE.toMilliseconds() || millis > MAX_ROTATION_SCHEDULE.toMilliseconds()) {
    throw new Error(`\`rotationSchedule\` must be from 4 hours to 1000 days, ${got}`);
  }
  const hour = Duration.hours(1).toMilliseconds();
  const day = Duration.days(1).toMilliseconds();
  if (millis < day && millis % hour !== 0) {
    throw new Error(`\`rotationSchedule\` must be a whole number of hours under a day (Secrets Manager rotates at rate(N hours)), ${got}`);
  }
  if (millis >= day && millis % day !== 0) {
    throw new Error(`\`rotationSchedule\` must be a whole number of days from 1 day on (Secrets Manager rotates at rate(N days)), ${got}`);
  }
}

export function validateMasterSecret(strategy: RotationStrategy, hasMasterSecret: boolean): void {
  if (strategy === RotationStrategy.ALTERNATING_USERS && !hasMasterSecret) {
    throw new Error("`masterSecret` is required with `strategy: RotationStrategy.ALTERNATING_USERS` (its credentials create and update the '_clone' user), got: undefined");
  }
  if (strategy === RotationStrategy.SINGLE_USER && hasMasterSecret) {
    throw new Error('`masterSecret` is only used with `strategy: RotationStrategy.ALTERNATING_USERS`, got a master secret with `strategy: RotationStrategy.SINGLE_USER`');
  }
}

export function validatePublishPrefix(prefix: string): void {
  if (Token.isUnresolved(prefix)) {
    throw new Error('`publishTo.prefix` must be known at synth time, got a token');
  }
  if (prefix === '' || prefix.startsWith('/')) {
    throw new Error(`\`publishTo.prefix\` must be a non-empty name relative to the tree's path, such as 'db/app', got: '${prefix}'`);
  }
}
