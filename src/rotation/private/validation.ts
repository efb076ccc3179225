/**
 * Synth-time checks of RotatingDbSecret's props. Each throws with the property name and the
 * value received, and skips values that are unresolved tokens (known only at deploy time).
 */
import { Duration, Token } from 'aws-cdk-lib';
import { CLONE_SUFFIX, IDENTIFIER_PATTERN, PASSWORD_LENGTH } from './contract';
import { engineFacts } from './engines';
import { DatabaseEngine } from '../database-engine';
import { RotationStrategy } from '../rotation-strategy';

export const MIN_ROTATION_SCHEDULE = Duration.hours(4);
export const MAX_ROTATION_SCHEDULE = Duration.days(1000);

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

export function validateRotationSchedule(schedule: Duration): void {
  if (schedule.isUnresolved()) return;
  const millis = schedule.toMilliseconds();
  if (millis < MIN_ROTATION_SCHEDULE.toMilliseconds() || millis > MAX_ROTATION_SCHEDULE.toMilliseconds()) {
    throw new Error(`\`rotationSchedule\` must be from 4 hours to 1000 days, got: ${schedule.toHumanString()}`);
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
