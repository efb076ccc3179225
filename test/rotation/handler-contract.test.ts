import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { externalEndpoint, stackWithVpc } from './fixtures';
import { rotationConfigurationFromEnv } from '../../lambda-handlers/rotation/configuration';
import { passwordPolicyFromEnv } from '../../lambda-handlers/rotation/handler';
import { parseDbSecret } from '../../lambda-handlers/rotation/secret-value';
import { validateUsername as validateHandlerUsername } from '../../lambda-handlers/rotation/usernames';
import { DatabaseEngine, DatabaseTarget, RotatingDbSecret, RotatingDbSecretProps, RotationStrategy } from '../../src/rotation';
import { HANDLER_PASSWORD_LENGTH, MAX_USERNAME_LENGTH, PASSWORD_LENGTH, SecretEngine } from '../../src/rotation/private/contract';

/**
 * What the construct writes (the secret's template, the function's environment) is what the
 * rotation handler reads: both sides' own code is run on the synthesized values.
 */
function synthesize(overrides: Partial<RotatingDbSecretProps> = {}) {
  const { stack, vpc } = stackWithVpc();
  new RotatingDbSecret(stack, 'AppUser', {
    target: DatabaseTarget.endpoint(externalEndpoint(stack, vpc)),
    engine: DatabaseEngine.MARIADB,
    username: 'app',
    databaseName: 'shop',
    ...overrides,
  });
  const template = Template.fromStack(stack);
  const secret = Object.values(template.findResources('AWS::SecretsManager::Secret', {
    Properties: { Description: 'Credentials of database user app, rotated by cdk-secure-config' },
  }))[0] as any;
  const fn = Object.values(template.findResources('AWS::Lambda::Function'))[0] as any;
  return {
    stack,
    secretTemplate: secret.Properties.GenerateSecretString.SecretStringTemplate as string,
    environment: fn.Properties.Environment.Variables as Record<string, string>,
  };
}

/** What Secrets Manager stores: the template with the generated password under `password`. */
function withGeneratedPassword(secretTemplate: string): string {
  return JSON.stringify({ ...JSON.parse(secretTemplate), password: 'generated-by-secrets-manager' });
}

describe('the handler reads what the construct writes', () => {
  test('the secret of a single user parses with the connection facts and verify-full TLS', () => {
    // GIVEN
    const { secretTemplate } = synthesize();

    // WHEN
    const parsed = parseDbSecret(withGeneratedPassword(secretTemplate), 'AWSCURRENT');

    // THEN
    expect(parsed).toEqual({
      engine: 'mariadb',
      host: 'db.internal.example',
      port: 3306,
      dbname: 'shop',
      username: 'app',
      password: 'generated-by-secrets-manager',
      tls: undefined,
      masterarn: undefined,
    });
  });

  test('the secret of alternating users names the master secret', () => {
    // GIVEN
    const { stack, vpc } = stackWithVpc();
    const master = secretsmanager.Secret.fromSecretCompleteArn(stack, 'Master',
      'arn:aws:secretsmanager:us-east-1:111122223333:secret:shop/master-AbCdEf');
    new RotatingDbSecret(stack, 'AppUser', {
      target: DatabaseTarget.endpoint(externalEndpoint(stack, vpc)),
      engine: DatabaseEngine.POSTGRES,
      username: 'app',
      databaseName: 'shop',
      strategy: RotationStrategy.ALTERNATING_USERS,
      masterSecret: master,
    });
    const secret = Object.values(Template.fromStack(stack).findResources('AWS::SecretsManager::Secret'))[0] as any;

    // WHEN
    const parsed = parseDbSecret(withGeneratedPassword(secret.Properties.GenerateSecretString.SecretStringTemplate), 'AWSCURRENT');

    // THEN
    expect(parsed.engine).toBe('postgres');
    expect(parsed.masterarn).toBe('arn:aws:secretsmanager:us-east-1:111122223333:secret:shop/master-AbCdEf');
  });

  test.each([
    [{}, { length: 32, excludeCharacters: ' %+~`#$&*()|[]{}:;<>?!\'/@"\\,=^' }],
    [{ passwordLength: 64, excludeCharacters: '"\\' }, { length: 64, excludeCharacters: '"\\' }],
  ])('the password policy in the environment (%j) is the one the handler applies', (overrides, expected) => {
    // GIVEN
    const { environment } = synthesize(overrides);

    // WHEN
    const policy = passwordPolicyFromEnv(environment);

    // THEN
    expect(policy).toEqual(expected);
  });

  test('the database, TLS mode and master secret in the environment are the ones the handler connects with', () => {
    // GIVEN
    const { environment } = synthesize();

    // WHEN
    const configuration = rotationConfigurationFromEnv(environment);

    // THEN
    expect(configuration).toEqual({
      database: { engine: 'mariadb', host: 'db.internal.example', port: 3306, dbname: 'shop', tls: 'verify-full' },
      masterSecretArn: undefined,
    });
  });

  test('plaintext is a construct prop, announced by a warning', () => {
    // GIVEN
    const { environment, stack } = synthesize({ insecurePlaintextConnections: true });

    // WHEN / THEN
    expect(rotationConfigurationFromEnv(environment).database.tls).toBe('disable');
    Annotations.fromStack(stack).hasWarning('/Stack/AppUser', Match.stringLikeRegexp('plaintext connections'));
  });
  test.each([PASSWORD_LENGTH.min, PASSWORD_LENGTH.max])('the handler applies the construct\'s limit passwordLength %d', (passwordLength) => {
    // GIVEN
    const { environment } = synthesize({ passwordLength });

    // WHEN
    const policy = passwordPolicyFromEnv(environment);

    // THEN
    expect(policy.length).toBe(passwordLength);
  });

  test('the construct\'s password lengths lie within the ones the handler accepts', () => {
    expect(PASSWORD_LENGTH.min).toBeGreaterThanOrEqual(HANDLER_PASSWORD_LENGTH.min);
    expect(PASSWORD_LENGTH.max).toBeLessThanOrEqual(HANDLER_PASSWORD_LENGTH.max);
  });
});

describe('both sides check user names against the same engine limits', () => {
  test.each([
    [DatabaseEngine.POSTGRES, SecretEngine.POSTGRES],
    [DatabaseEngine.MYSQL, SecretEngine.MYSQL],
    [DatabaseEngine.MARIADB, SecretEngine.MARIADB],
  ])('the longest %s user name passes both checks, one more character fails both', (engine, secretEngine) => {
    // GIVEN
    const longest = 'u'.repeat(MAX_USERNAME_LENGTH[secretEngine]);
    const tooLong = `${longest}u`;

    const construct = (username: string) => {
      const { stack, vpc } = stackWithVpc();
      return new RotatingDbSecret(stack, 'User', {
        target: DatabaseTarget.endpoint(externalEndpoint(stack, vpc)),
        engine,
        username,
        databaseName: 'shop',
      });
    };

    // THEN
    expect(() => validateHandlerUsername(secretEngine, longest)).not.toThrow();
    expect(() => construct(longest)).not.toThrow();
    expect(() => validateHandlerUsername(secretEngine, tooLong)).toThrow(/must be at most/);
    expect(() => construct(tooLong)).toThrow(/`username` must be at most/);
  });
});

describe('the handler refuses an environment it cannot trust', () => {
  const complete = {
    DATABASE_ENGINE: 'postgres', DATABASE_HOST: 'db.internal', DATABASE_PORT: '5432', DATABASE_NAME: 'shop', DATABASE_TLS: 'verify-full',
  };

  test.each<[string, Record<string, string | undefined>, RegExp]>([
    ['no host', { DATABASE_HOST: undefined }, /must set `DATABASE_HOST` \(deploy it with RotatingDbSecret\), got: no value/],
    ['a TLS mode the handler does not know', { DATABASE_TLS: 'prefer' }, /`DATABASE_TLS` must be one of verify-full, disable, got: 'prefer'/],
    ['a port that is not a number', { DATABASE_PORT: '54x' }, /`DATABASE_PORT` must be an integer from 1 to 65535, got: '54x'/],
    ['an engine the handler does not know', { DATABASE_ENGINE: 'oracle' }, /`DATABASE_ENGINE` must be one of postgres, mysql, mariadb, got: 'oracle'/],
  ])('%s', (_case, overrides, message) => {
    expect(() => rotationConfigurationFromEnv({ ...complete, ...overrides })).toThrow(message);
  });
});
