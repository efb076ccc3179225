/**
 * Database user names: engine limits and the alternating-users naming scheme.
 *
 * Allowed characters are ASCII letters, digits and `_`, starting with a letter or `_`. That set
 * needs no quoting in any of the engines, so a name means the same thing in SQL, in the secret and
 * in the engine's catalogs (the adapters still quote every identifier). It also keeps
 * byte and character lengths equal, so one check covers PostgreSQL's byte limit.
 */
import {
  CLONE_SUFFIX,
  IDENTIFIER_PATTERN as USERNAME_PATTERN,
  MAX_USERNAME_LENGTH,
  reservedUsernameReason,
  SecretEngine,
} from '../../src/rotation/private/contract';

/**
 * Throws unless `username` is valid for `engine`. The message names the property and the value
 * (a user name is not a secret).
 */
export function validateUsername(engine: SecretEngine, username: string, property = 'username'): void {
  if (!USERNAME_PATTERN.test(username)) {
    throw new Error(
      `\`${property}\` must contain only ASCII letters, digits and '_' and start with a letter or '_', got: '${username}'`,
    );
  }
  const max = MAX_USERNAME_LENGTH[engine];
  if (username.length > max) {
    throw new Error(
      `\`${property}\` must be at most ${max} characters for ${engine}, got: '${username}' (${username.length} characters)`,
    );
  }
  const reserved = reservedUsernameReason(engine, username);
  if (reserved) {
    throw new Error(`\`${property}\` must not be a user the ${engine} server keeps for itself (${reserved}), got: '${username}'`);
  }
}

/** Whether two names may denote the same user: compared without case, to err on the safe side. */
export function sameUsername(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** The user the alternating strategy starts from: the name without the clone suffix. */
export function baseUsername(username: string): string {
  return username.endsWith(CLONE_SUFFIX) ? username.slice(0, -CLONE_SUFFIX.length) : username;
}

export function cloneUsername(username: string): string {
  return baseUsername(username) + CLONE_SUFFIX;
}

/** The other user of the pair: `<base>` becomes `<base>_clone` and back. */
export function alternateUsername(username: string): string {
  return username.endsWith(CLONE_SUFFIX) ? baseUsername(username) : cloneUsername(username);
}

/** Checks both users of an alternating pair, so the clone's name fits before anything is created. */
export function validateAlternatingPair(engine: SecretEngine, username: string): void {
  validateUsername(engine, baseUsername(username));
  validateUsername(engine, cloneUsername(username), `username + '${CLONE_SUFFIX}'`);
}
