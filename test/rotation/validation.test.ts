import { Duration } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { externalEndpoint, postgresInstance, stackWithVpc } from './fixtures';
import { SecureParameterTree } from '../../src/parameter-tree';
import { DatabaseEngine, DatabaseTarget, RotatingDbSecret, RotatingDbSecretProps, RotationStrategy } from '../../src/rotation';

type Overrides = Partial<RotatingDbSecretProps>;

/** Builds a RotatingDbSecret on an external endpoint; `overrides` may replace any prop. */
function build(overrides: (stack: ReturnType<typeof stackWithVpc>) => Overrides): () => RotatingDbSecret {
  const fixture = stackWithVpc();
  const { stack, vpc } = fixture;
  const given = overrides(fixture);
  return () => new RotatingDbSecret(stack, 'AppUser', {
    target: given.target ?? DatabaseTarget.endpoint(externalEndpoint(stack, vpc)),
    engine: DatabaseEngine.MYSQL,
    username: 'app',
    databaseName: 'shop',
    ...given,
  });
}

const alternating = (fixture: ReturnType<typeof stackWithVpc>): Overrides => ({
  strategy: RotationStrategy.ALTERNATING_USERS,
  masterSecret: new secretsmanager.Secret(fixture.stack, 'Master'),
});

describe('rejects bad input at synth, naming the property and the value', () => {
  test.each<[string, (fixture: ReturnType<typeof stackWithVpc>) => Overrides, RegExp]>([
    ['a username with a hyphen', () => ({ username: 'app-user' }), /`username` must start with a letter or '_'.*got: 'app-user'/],
    ['a username starting with a digit', () => ({ username: '1app' }), /`username`.*got: '1app'/],
    ['an empty username', () => ({ username: '' }), /`username`.*got: ''/],
    ['a username with a quote', () => ({ username: "app'; DROP" }), /`username`.*got: 'app'; DROP'/],
    ['a MySQL username over 32 characters', () => ({ username: 'u'.repeat(33) }), /`username` must be at most 32 characters \(MySQL allows 32 characters\), got: 'u{33}' \(33 characters\)/],
    ['a MySQL alternating username over 26 characters', (f) => ({ ...alternating(f), username: 'u'.repeat(27) }), /`username` must be at most 26 characters \(MySQL allows 32 characters and the alternating-users strategy appends '_clone'\), got: 'u{27}'/],
    ['a PostgreSQL username over 63 characters', () => ({ engine: DatabaseEngine.POSTGRES, username: 'u'.repeat(64) }), /`username` must be at most 63 characters \(PostgreSQL allows 63/],
    ['a MariaDB username over 80 characters', () => ({ engine: DatabaseEngine.MARIADB, username: 'u'.repeat(81) }), /`username` must be at most 80 characters \(MariaDB allows 80/],
    ['a database name with a dot', () => ({ databaseName: 'shop.prod' }), /`databaseName`.*got: 'shop.prod'/],
    ['a MySQL database name over 64 characters', () => ({ databaseName: 'd'.repeat(65) }), /`databaseName` must be at most 64 characters for MySQL, got: 'd{65}'/],
    ['a password shorter than 16', () => ({ passwordLength: 15 }), /`passwordLength` must be an integer from 16 to 128, got: 15/],
    ['a password longer than 128', () => ({ passwordLength: 129 }), /`passwordLength` must be an integer from 16 to 128, got: 129/],
    ['a fractional password length', () => ({ passwordLength: 20.5 }), /`passwordLength`.*got: 20.5/],
    ['excluded characters that remove every digit', () => ({ excludeCharacters: '0123456789' }), /`excludeCharacters` must leave at least one digit to generate passwords from, got: '0123456789'/],
    ['excluded characters that remove all punctuation', () => ({ excludeCharacters: '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~' }), /`excludeCharacters` must leave at least one punctuation character/],
    ['excluded characters that remove every letter', () => ({ excludeCharacters: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz' }), /must leave at least one upper-case letter, one lower-case letter to generate/],
    ['a schedule under 4 hours', () => ({ rotationSchedule: Duration.hours(3) }), /`rotationSchedule` must be from 4 hours to 1000 days, got: 3 hours/],
    ['a schedule over 1000 days', () => ({ rotationSchedule: Duration.days(1001) }), /`rotationSchedule` must be from 4 hours to 1000 days, got: 1001 days/],
    ['alternating users without a master secret', () => ({ strategy: RotationStrategy.ALTERNATING_USERS }), /`masterSecret` is required with `strategy: RotationStrategy.ALTERNATING_USERS`.*got: undefined/],
    ['a master secret with a single user', (f) => ({ masterSecret: new secretsmanager.Secret(f.stack, 'Master') }), /`masterSecret` is only used with `strategy: RotationStrategy.ALTERNATING_USERS`/],
    ['an endpoint without an engine', () => ({ engine: undefined }), /`engine` is required when the target does not tell its engine.*got: undefined/],
    ['a port of 0', (f) => ({ target: DatabaseTarget.endpoint({ ...externalEndpoint(f.stack, f.vpc), port: 0 }) }), /`port` must be an integer from 1 to 65535, got: 0/],
    ['a port over 65535', (f) => ({ target: DatabaseTarget.endpoint({ ...externalEndpoint(f.stack, f.vpc), port: 70000 }) }), /`port`.*got: 70000/],
    ['a host with a space', (f) => ({ target: DatabaseTarget.endpoint({ ...externalEndpoint(f.stack, f.vpc), host: 'db .example' }) }), /`host` must be a host name or IP address without spaces, got: 'db .example'/],
    ['a publish prefix starting with a slash', (f) => ({ publishTo: { tree: new SecureParameterTree(f.stack, 'Config', { path: '/shop' }), prefix: '/db' } }), /`publishTo.prefix` must be a non-empty name relative to the tree's path.*got: '\/db'/],
  ])('%s', (_case, overrides, message) => {
    // GIVEN
    const construct = build(overrides);

    // WHEN / THEN
    expect(construct).toThrow(message);
  });

  test('an engine that contradicts the RDS target', () => {
    // GIVEN
    const { stack, vpc } = stackWithVpc();
    const database = postgresInstance(stack, vpc);

    // WHEN / THEN
    expect(() => new RotatingDbSecret(stack, 'AppUser', {
      target: DatabaseTarget.instance(database),
      engine: DatabaseEngine.MYSQL,
      username: 'app',
      databaseName: 'shop',
    })).toThrow(/`engine` must match the target database's engine 'postgres', got: 'mysql'/);
  });

  test('an imported RDS instance without a VPC', () => {
    // GIVEN
    const { stack } = stackWithVpc();
    const database = rds.DatabaseInstance.fromDatabaseInstanceAttributes(stack, 'Imported', {
      instanceIdentifier: 'shop',
      instanceEndpointAddress: 'shop.abc.us-east-1.rds.amazonaws.com',
      port: 5432,
      securityGroups: [ec2.SecurityGroup.fromSecurityGroupId(stack, 'Sg', 'sg-0123456789abcdef0')],
      engine: rds.DatabaseInstanceEngine.POSTGRES,
    });

    // WHEN / THEN
    expect(() => new RotatingDbSecret(stack, 'AppUser', {
      target: DatabaseTarget.instance(database),
      username: 'app',
      databaseName: 'shop',
    })).toThrow(/`vpc` is required when the target is an imported RDS database.*got: undefined/);
  });

  test('a VPC other than the target database\'s', () => {
    // GIVEN
    const { stack, vpc } = stackWithVpc();
    const otherVpc = new ec2.Vpc(stack, 'OtherVpc', { maxAzs: 1 });

    // WHEN / THEN
    expect(() => new RotatingDbSecret(stack, 'AppUser', {
      target: DatabaseTarget.instance(postgresInstance(stack, vpc)),
      username: 'app',
      databaseName: 'shop',
      vpc: otherVpc,
    })).toThrow(/`vpc` must be the target database's VPC 'Stack\/Vpc' or be left out, got: 'Stack\/OtherVpc'/);
  });
});

describe('accepts the limits themselves', () => {
  test.each<[string, (fixture: ReturnType<typeof stackWithVpc>) => Overrides]>([
    ['a 32-character MySQL username', () => ({ username: 'u'.repeat(32) })],
    ['a 26-character MySQL alternating username', (f) => ({ ...alternating(f), username: 'u'.repeat(26) })],
    ['a 63-character PostgreSQL username', () => ({ engine: DatabaseEngine.POSTGRES, username: 'u'.repeat(63) })],
    ['passwords of 16 characters', () => ({ passwordLength: 16 })],
    ['passwords of 128 characters', () => ({ passwordLength: 128 })],
    ['a 4-hour schedule', () => ({ rotationSchedule: Duration.hours(4) })],
    ['a 1000-day schedule', () => ({ rotationSchedule: Duration.days(1000) })],
    ['excluded characters that leave one of each class', () => ({ excludeCharacters: 'ABCDEFGHIJKLMNOPQRSTUVWXY' })],
  ])('%s', (_case, overrides) => {
    // GIVEN
    const construct = build(overrides);

    // WHEN / THEN
    expect(construct).not.toThrow();
  });
});
