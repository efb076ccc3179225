/**
 * The RDS master's user name, where synth can know it: from the template of a secret this app
 * generates (rds.DatabaseSecret, secretsmanager.Secret with `generateSecretString`), or from a
 * database whose master user name is a literal. Undefined when only deploy time knows.
 */
import { Token } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { IConstruct } from 'constructs';

function literal(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' && !Token.isUnresolved(value) ? value : undefined;
}

/** `username` of a secret generated from a JSON template in this app. */
export function usernameInSecretTemplate(secret: secretsmanager.ISecret | undefined): string | undefined {
  const resource = (secret as IConstruct | undefined)?.node?.defaultChild;
  if (!(resource instanceof secretsmanager.CfnSecret)) return undefined;
  const generate = resource.generateSecretString as secretsmanager.CfnSecret.GenerateSecretStringProperty | undefined;
  const template = literal(generate?.secretStringTemplate);
  if (!template) return undefined;
  try {
    return literal((JSON.parse(template) as { username?: unknown }).username);
  } catch {
    return undefined;
  }
}

/** The master user name of an RDS instance or cluster of this app, if synth knows it. */
export function masterUsernameOfDatabase(database: object): string | undefined {
  const resource = (database as IConstruct).node?.defaultChild as { masterUsername?: unknown } | undefined;
  return literal(resource?.masterUsername)
    ?? usernameInSecretTemplate((database as { secret?: secretsmanager.ISecret }).secret);
}
