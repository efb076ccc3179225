import { passwordPolicyFromEnv } from '../../../lambda-handlers/rotation/handler';
import { grantsForClone, quoteMysqlIdentifier } from '../../../lambda-handlers/rotation/mysql-grants';
import { parseDbSecret } from '../../../lambda-handlers/rotation/secret-value';
import {
  alternateUsername,
  validateAlternatingPair,
  validateUsername,
} from '../../../lambda-handlers/rotation/usernames';
import { SecretEngine } from '../../../src/rotation/private/contract';

const CANARY_PASSWORD = 'CANARY-pw-7f3a91';

function secretJson(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    engine: 'postgres', host: 'db.example.com', port: 5432, dbname: 'shop', username: 'app', password: CANARY_PASSWORD, ...overrides,
  });
}

describe('user names', () => {
  test.each([
    [SecretEngine.POSTGRES, 'a'.repeat(63)],
    [SecretEngine.MYSQL, 'a'.repeat(32)],
    [SecretEngine.MARIADB, 'a'.repeat(80)],
    [SecretEngine.POSTGRES, '_app_2'],
  ])('accepts %s user name %s (within the engine limit and character set)', (engine, username) => {
    expect(() => validateUsername(engine, username)).not.toThrow();
  });

  test.each([
    [SecretEngine.POSTGRES, 'a'.repeat(64), /`username` must be at most 63 characters for postgres, got: 'a{64}' \(64 characters\)/],
    [SecretEngine.MYSQL, 'a'.repeat(33), /`username` must be at most 32 characters for mysql, got: 'a{33}'/],
    [SecretEngine.MARIADB, 'a'.repeat(81), /`username` must be at most 80 characters for mariadb, got: 'a{81}'/],
    [SecretEngine.POSTGRES, 'app"; DROP ROLE admin; --', /`username` must contain only ASCII letters, digits and '_' .*got: 'app"; DROP ROLE admin; --'/],
    [SecretEngine.MYSQL, 'app`x', /got: 'app`x'/],
    [SecretEngine.MARIADB, "app'x", /got: 'app'x'/],
    [SecretEngine.POSTGRES, '1app', /start with a letter or '_', got: '1app'/],
    [SecretEngine.POSTGRES, 'app-user', /got: 'app-user'/],
    [SecretEngine.POSTGRES, 'ünïcode', /got: 'ünïcode'/],
    [SecretEngine.POSTGRES, '', /got: ''/],
  ])('rejects %s user name %j', (engine, username, message) => {
    expect(() => validateUsername(engine, username)).toThrow(message);
  });

  test('checks that the clone name of an alternating pair fits the engine limit', () => {
    // GIVEN a MySQL name that fits, but not with '_clone' appended
    const username = 'a'.repeat(30);

    // WHEN / THEN
    expect(() => validateUsername(SecretEngine.MYSQL, username)).not.toThrow();
    expect(() => validateAlternatingPair(SecretEngine.MYSQL, username))
      .toThrow(/`username \+ '_clone'` must be at most 32 characters for mysql, got: 'a{30}_clone'/);
  });

  test.each([
    ['app', 'app_clone'],
    ['app_clone', 'app'],
  ])('alternates %s to %s', (from, to) => {
    expect(alternateUsername(from)).toEqual(to);
  });
});

describe('secret JSON', () => {
  test('parses a secret, keeping `tls` as stored (absent here): the configuration chooses TLS', () => {
    expect(parseDbSecret(secretJson({ port: '5433' }), 'AWSCURRENT')).toEqual({
      engine: 'postgres',
      host: 'db.example.com',
      port: 5433,
      dbname: 'shop',
      username: 'app',
      password: CANARY_PASSWORD,
      tls: undefined,
      masterarn: undefined,
    });
  });

  test.each([
    [{ engine: 'oracle' }, /AWSCURRENT: `engine` must be one of postgres, mysql, mariadb, got: 'oracle'/],
    [{ port: 70000 }, /`port` must be an integer from 1 to 65535, got: 70000/],
    [{ port: 'abc' }, /`port` must be an integer from 1 to 65535, got: 'abc'/],
    [{ host: '' }, /`host` must be a non-empty string, got: ''/],
    [{ dbname: 7 }, /`dbname` must be a non-empty string, got: 7/],
    [{ tls: 'prefer' }, /`tls` must be one of verify-full, disable, got: 'prefer'/],
    [{ masterarn: '' }, /`masterarn` must be a non-empty string when present, got: ''/],
    [{ password: 42 }, /`password` must be a non-empty string, got: a number/],
  ])('rejects %j naming the field and the value', (overrides, message) => {
    expect(() => parseDbSecret(secretJson(overrides), 'AWSCURRENT')).toThrow(message);
  });

  test('a SecretString that is not JSON is rejected without quoting it', () => {
    const broken = `{"password": "${CANARY_PASSWORD}", oops}`;
    expect(() => parseDbSecret(broken, 'AWSPENDING')).toThrow(/AWSPENDING: SecretString must be a JSON object/);
    try {
      parseDbSecret(broken, 'AWSPENDING');
    } catch (err) {
      expect((err as Error).message).not.toContain(CANARY_PASSWORD);
    }
  });
});

describe('password policy from the environment', () => {
  test('defaults to 32 characters and the contract\'s excluded characters', () => {
    expect(passwordPolicyFromEnv({})).toEqual({ length: 32, excludeCharacters: expect.stringContaining('@') });
  });

  test.each(['7', '4097', 'long', '32.5'])('rejects PASSWORD_LENGTH %s', (value) => {
    expect(() => passwordPolicyFromEnv({ PASSWORD_LENGTH: value }))
      .toThrow(new RegExp(`\`PASSWORD_LENGTH\` must be an integer from 8 to 4096, got: '${value.replace('.', '\\.')}'`));
  });
});

describe('MySQL identifiers and SHOW GRANTS replay', () => {
  test('quotes identifiers with backticks, doubling backticks inside', () => {
    expect(quoteMysqlIdentifier('we`ird')).toEqual('`we``ird`');
  });

  test('rewrites the grantee of every grant and drops the base user\'s password hash', () => {
    // GIVEN SHOW GRANTS output as MariaDB and MySQL 5.7 write it
    const lines = [
      "GRANT USAGE ON *.* TO `app`@`%` IDENTIFIED BY PASSWORD '*2B602296A79E0A8784ACC5C88D92E46588CCA3C3'",
      'GRANT SELECT, INSERT ON `shop`.* TO `app`@`%` WITH GRANT OPTION',
      "GRANT UPDATE (`id`) ON `shop`.`orders` TO 'app'@'%'",
      'GRANT `reporting`@`%` TO `app`@`%`',
    ];

    // WHEN
    const grants = grantsForClone(lines, 'app', 'app_clone', '%');

    // THEN
    expect(grants).toEqual([
      'GRANT USAGE ON *.* TO `app_clone`@`%`',
      'GRANT SELECT, INSERT ON `shop`.* TO `app_clone`@`%` WITH GRANT OPTION',
      'GRANT UPDATE (`id`) ON `shop`.`orders` TO `app_clone`@`%`',
      'GRANT `reporting`@`%` TO `app_clone`@`%`',
    ]);
  });

  test('refuses a line that does not grant to the base user, without quoting the line', () => {
    const line = "GRANT USAGE ON *.* TO `other`@`%` IDENTIFIED BY PASSWORD '*SECRETHASH'";
    expect(() => grantsForClone([line], 'app', 'app_clone', '%'))
      .toThrow(/^SHOW GRANTS line 1 for 'app'@'%' does not name that account as grantee$/);
  });
});
