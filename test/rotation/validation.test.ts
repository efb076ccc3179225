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

/** Every printable ASCII character: a generator excluding them all has nothing left. */
const PRINTABLE_ASCII = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('');

/** A master secret generated in this app from a template that names its user, as rds.DatabaseSecret is. */
function generatedSecretFor(fixture: ReturnType<typeof stackWithVpc>, username: string): secretsmanager.Secret {
  return new secretsmanager.Secret(fixture.stack, 'Master', {
    generateSecretString: { secretStringTemplate: JSON.stringify({ username }), generateStringKey: 'password' },
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
    // Rotation schedules Secrets Manager cannot express: rate(N hours) or rate(N days), whole N.
    ['a schedule of 0', () => ({ rotationSchedule: Duration.hours(0) }), /`rotationSchedule` must be from 4 hours to 1000 days, got: 0 hours/],
    ['a schedule in minutes', () => ({ rotationSchedule: Duration.minutes(250) }), /`rotationSchedule` must be a whole number of hours under a day.*got: 4 hours 10 minutes/],
    ['a schedule of 4.5 hours', () => ({ rotationSchedule: Duration.minutes(270) }), /whole number of hours.*got: 4 hours 30 minutes/],
    ['a schedule of 36 hours', () => ({ rotationSchedule: Duration.hours(36) }), /`rotationSchedule` must be a whole number of days from 1 day on.*got: 1 day 12 hours/],
    ['a schedule of 1000 days and 1 hour', () => ({ rotationSchedule: Duration.hours(24_001) }), /`rotationSchedule` must be from 4 hours to 1000 days/],
    // User names the engine or Amazon RDS keeps for itself.
    ['the PostgreSQL superuser', () => ({ engine: DatabaseEngine.POSTGRES, username: 'postgres' }), /`username` must not be a user PostgreSQL or Amazon RDS keeps for itself \('postgres' is reserved.*got: 'postgres'/],
    ['a pg_ role', () => ({ engine: DatabaseEngine.POSTGRES, username: 'pg_monitor' }), /names starting with 'pg_' are reserved.*got: 'pg_monitor'/],
    ['an rds_ role', () => ({ engine: DatabaseEngine.POSTGRES, username: 'rds_superuser' }), /names starting with 'rds_' are reserved.*got: 'rds_superuser'/],
    ['rdsadmin on PostgreSQL', () => ({ engine: DatabaseEngine.POSTGRES, username: 'rdsadmin' }), /'rdsadmin' is reserved.*got: 'rdsadmin'/],
    ['PUBLIC on PostgreSQL', () => ({ engine: DatabaseEngine.POSTGRES, username: 'PUBLIC' }), /'public' is reserved.*got: 'PUBLIC'/],
    ['root on MySQL', () => ({ username: 'root' }), /`username` must not be a user MySQL or Amazon RDS keeps for itself \('root' is reserved.*got: 'root'/],
    ['rdsadmin on MySQL', () => ({ username: 'rdsadmin' }), /'rdsadmin' is reserved.*got: 'rdsadmin'/],
    ['ROOT on MariaDB', () => ({ engine: DatabaseEngine.MARIADB, username: 'ROOT' }), /MariaDB or Amazon RDS.*got: 'ROOT'/],
    ['mysql on MariaDB', () => ({ engine: DatabaseEngine.MARIADB, username: 'mysql' }), /'mysql' is reserved.*got: 'mysql'/],
    ['an alternating pair whose clone would be rds_ prefixed', (f) => ({ ...alternating(f), engine: DatabaseEngine.POSTGRES, username: 'rds_app' }), /got: 'rds_app'/],
    // The master's own user, where synth knows it.
    ['the master secret\'s user with alternating users', (f) => ({ strategy: RotationStrategy.ALTERNATING_USERS, username: 'admin', masterSecret: generatedSecretFor(f, 'admin') }),
      /`username` must not be the database's master user 'admin' \(known from `masterSecret`\), got: 'admin'/],
    ['a user whose clone is the master', (f) => ({ strategy: RotationStrategy.ALTERNATING_USERS, username: 'ops', masterSecret: generatedSecretFor(f, 'ops_clone') }),
      /`username` must not be the database's master user 'ops_clone' \(known from `masterSecret`\) \(its alternate 'ops_clone' is\), got: 'ops'/],
    ['the master user in another case', (f) => ({ strategy: RotationStrategy.ALTERNATING_USERS, username: 'Admin', masterSecret: generatedSecretFor(f, 'admin') }), /master user 'admin'.*got: 'Admin'/],
    // Password generator options that leave nothing to generate from.
    ['excluded characters that remove every printable character', () => ({ excludeCharacters: PRINTABLE_ASCII }), /`excludeCharacters` must leave at least one upper-case letter, one lower-case letter, one digit, one punctuation character/],
    ['excluded characters that remove every upper-case letter', () => ({ excludeCharacters: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ' }), /must leave at least one upper-case letter to generate passwords from, got: 'A-Z|ABCDEFGHIJKLMNOPQRSTUVWXYZ'/],
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

describe('JavaScript and Python callers who omit a prop or pass the wrong type get the property and value named', () => {
  const { stack, vpc } = stackWithVpc();
  const endpoint = externalEndpoint(stack, vpc);
  const target = DatabaseTarget.endpoint(endpoint);
  const valid = { target, engine: DatabaseEngine.MYSQL, username: 'app', databaseName: 'shop' };
  let id = 0;

  test.each<[string, unknown, RegExp]>([
    ['no props at all', undefined, /`props` must be an object with at least `target`, `username` and `databaseName`, got: undefined/],
    ['target: undefined', { ...valid, target: undefined }, /`target` must be a DatabaseTarget \(DatabaseTarget.instance\(db\), .cluster\(db\) or .endpoint\(\{...\}\)\), got: undefined/],
    ['target: a host name string', { ...valid, target: 'db.example.com' }, /`target` must be a DatabaseTarget .*got: 'db.example.com'/],
    ['target: a plain object', { ...valid, target: { host: 'db' } }, /`target` must be a DatabaseTarget .*got: an object/],
    ['username: 42', { ...valid, username: 42 }, /`username` must be a string, got: 42/],
    ['username omitted', { ...valid, username: undefined }, /`username` must be a string, got: undefined/],
    ['databaseName: null', { ...valid, databaseName: null }, /`databaseName` must be a string, got: null/],
    ['databaseName omitted', { ...valid, databaseName: undefined }, /`databaseName` must be a string, got: undefined/],
    ['engine: oracle', { ...valid, engine: 'oracle' }, /`engine` must be one of DatabaseEngine.POSTGRES, DatabaseEngine.MYSQL, DatabaseEngine.MARIADB, got: 'oracle'/],
    ['strategy: rotate', { ...valid, strategy: 'rotate' }, /`strategy` must be one of RotationStrategy.SINGLE_USER, RotationStrategy.ALTERNATING_USERS, got: 'rotate'/],
    ['passwordLength: "32"', { ...valid, passwordLength: '32' }, /`passwordLength` must be a number when given, got: '32'/],
    ['passwordLength: NaN', { ...valid, passwordLength: NaN }, /`passwordLength` must be a number when given, got: NaN/],
    ['excludeCharacters: 5', { ...valid, excludeCharacters: 5 }, /`excludeCharacters` must be a string when given, got: 5/],
    ['rotationSchedule: 30', { ...valid, rotationSchedule: 30 }, /`rotationSchedule` must be a Duration, such as Duration.days\(30\), got: 30/],
    ['rotateImmediatelyOnUpdate: "yes"', { ...valid, rotateImmediatelyOnUpdate: 'yes' }, /`rotateImmediatelyOnUpdate` must be a boolean when given, got: 'yes'/],
    ['insecurePlaintextConnections: "true"', { ...valid, insecurePlaintextConnections: 'true' }, /`insecurePlaintextConnections` must be a boolean when given, got: 'true'/],
    ['masterSecret: an ARN string', { ...valid, masterSecret: 'arn:aws:secretsmanager:us-east-1:1:secret:m' }, /`masterSecret` must be a secretsmanager.ISecret, got: 'arn:aws:secretsmanager/],
    ['removalPolicy: "delete"', { ...valid, removalPolicy: 'delete' }, /`removalPolicy` must be one of RemovalPolicy.DESTROY, .*got: 'delete'/],
    ['publishTo: a prefix string', { ...valid, publishTo: 'db/app' }, /`publishTo` must be a ConnectionFactsDestination \(\{ tree, prefix \}\), got: 'db\/app'/],
  ])('%s', (_case, props, message) => {
    expect(() => new RotatingDbSecret(stack, `AppUser${id++}`, props as RotatingDbSecretProps)).toThrow(message);
  });

  test.each<[string, () => unknown, RegExp]>([
    ['DatabaseTarget.instance(undefined)', () => DatabaseTarget.instance(undefined as any), /`DatabaseTarget.instance\(instance\)` must be an rds.IDatabaseInstance, got: undefined/],
    ['DatabaseTarget.cluster(a string)', () => DatabaseTarget.cluster('shop-cluster' as any), /`DatabaseTarget.cluster\(cluster\)` must be an rds.IDatabaseCluster, got: 'shop-cluster'/],
    ['DatabaseTarget.endpoint(undefined)', () => DatabaseTarget.endpoint(undefined as any), /`DatabaseTarget.endpoint\(options\)` must be DatabaseEndpointOptions, got: undefined/],
    ['an endpoint with port "5432"', () => DatabaseTarget.endpoint({ ...endpoint, port: '5432' as any }), /`port` must be a number, got: '5432'/],
    ['an endpoint without a security group', () => DatabaseTarget.endpoint({ host: 'db', port: 5432, vpc } as any), /`securityGroup` must be an ec2.ISecurityGroup, got: undefined/],
  ])('%s', (_case, makeTarget, message) => {
    expect(makeTarget).toThrow(message);
  });
});

describe('refuses the master user of a target this app creates', () => {
  test('an RDS instance whose generated master secret names the user', () => {
    // GIVEN an instance with the default generated credentials (user 'postgres' for PostgreSQL is reserved anyway)
    const { stack, vpc } = stackWithVpc();
    const database = new rds.DatabaseInstance(stack, 'Database', {
      engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_16 }),
      vpc,
      credentials: rds.Credentials.fromGeneratedSecret('shopadmin'),
    });

    // WHEN / THEN for both strategies
    for (const strategy of [RotationStrategy.SINGLE_USER, RotationStrategy.ALTERNATING_USERS]) {
      expect(() => new RotatingDbSecret(stack, `AppUser-${strategy}`, {
        target: DatabaseTarget.instance(database),
        username: 'shopadmin',
        databaseName: 'shop',
        strategy,
        masterSecret: strategy === RotationStrategy.ALTERNATING_USERS ? database.secret : undefined,
      })).toThrow(/`username` must not be the database's master user 'shopadmin' \(known from (`masterSecret`|the target database)\), got: 'shopadmin'/);
    }
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
    ['a schedule of 23 hours', () => ({ rotationSchedule: Duration.hours(23) })],
    ['a schedule of 48 hours (2 days)', () => ({ rotationSchedule: Duration.hours(48) })],
    ['a user name that merely contains a reserved word', () => ({ username: 'app_root' })],
    ['a PostgreSQL user whose name starts like a reserved one', () => ({ engine: DatabaseEngine.POSTGRES, username: 'pgadmin' })],
    ['an application user beside a known master', (f) => ({ strategy: RotationStrategy.ALTERNATING_USERS, username: 'app', masterSecret: generatedSecretFor(f, 'admin') })],
  ])('%s', (_case, overrides) => {
    // GIVEN
    const construct = build(overrides);

    // WHEN / THEN
    expect(construct).not.toThrow();
  });
});
