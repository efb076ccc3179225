import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { DEFAULT_EXCLUDE_CHARACTERS, DEFAULT_PASSWORD_LENGTH, TlsMode } from './contract';
import { usernameInSecretTemplate } from './master-user';
import {
  validateDatabaseName,
  validateExcludeCharacters,
  validateHost,
  validateMasterSecret,
  validateNotMasterUser,
  validatePasswordLength,
  validatePropTypes,
  validatePort,
  validateRotationSchedule,
  validateUsername,
} from './validation';
import { DatabaseEngine } from '../database-engine';
import type { DatabaseTarget, DatabaseTargetConfig } from '../database-target';
import { RotationStrategy } from '../rotation-strategy';

/** The props with defaults applied and checked. */
export interface ResolvedSettings {
  readonly target: DatabaseTargetConfig;
  readonly engine: DatabaseEngine;
  readonly strategy: RotationStrategy;
  readonly databaseName: string;
  readonly tls: TlsMode;
  readonly passwordLength: number;
  readonly excludeCharacters: string;
  readonly rotationSchedule: Duration;
  readonly removalPolicy: RemovalPolicy;
  readonly vpc: ec2.IVpc;
  readonly vpcSubnets?: ec2.SubnetSelection;
}

/**
 * The props `resolveSettings` reads, as `RotatingDbSecretProps` declares them. Declared here rather
 * than imported so this module does not import the construct that imports it.
 */
export interface RotationSettingsInput {
  readonly target: DatabaseTarget;
  readonly engine?: DatabaseEngine;
  readonly strategy?: RotationStrategy;
  readonly username: string;
  readonly databaseName: string;
  readonly masterSecret?: secretsmanager.ISecret;
  readonly passwordLength?: number;
  readonly excludeCharacters?: string;
  readonly rotationSchedule?: Duration;
  readonly removalPolicy?: RemovalPolicy;
  readonly vpc?: ec2.IVpc;
  readonly vpcSubnets?: ec2.SubnetSelection;
  readonly insecurePlaintextConnections?: boolean;
}

export function resolveSettings(props: RotationSettingsInput): ResolvedSettings {
  validatePropTypes(props);
  const target = props.target.config;
  const engine = resolveEngine(props.engine, target);
  const strategy = props.strategy ?? RotationStrategy.SINGLE_USER;
  const passwordLength = props.passwordLength ?? DEFAULT_PASSWORD_LENGTH;
  const excludeCharacters = props.excludeCharacters ?? DEFAULT_EXCLUDE_CHARACTERS;
  const rotationSchedule = props.rotationSchedule ?? Duration.days(30);
  validateHost(target.host);
  validatePort(target.port);
  validateUsername(props.username, engine, strategy);
  validateDatabaseName(props.databaseName, engine);
  validatePasswordLength(passwordLength);
  validateExcludeCharacters(excludeCharacters);
  validateRotationSchedule(rotationSchedule);
  validateMasterSecret(strategy, props.masterSecret !== undefined);
  validateNotMasterUser(props.username, strategy, knownMasterUsernames(props, target));
  return {
    target,
    engine,
    strategy,
    databaseName: props.databaseName,
    tls: props.insecurePlaintextConnections ? TlsMode.DISABLE : TlsMode.VERIFY_FULL,
    passwordLength,
    excludeCharacters,
    rotationSchedule,
    removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    vpc: resolveVpc(props.vpc, target),
    vpcSubnets: props.vpcSubnets ?? target.vpcSubnets,
  };
}

/** The master user names synth can know, each with where it comes from. */
function knownMasterUsernames(props: RotationSettingsInput, target: DatabaseTargetConfig): Array<[string, string]> {
  const known: Array<[string | undefined, string]> = [
    [usernameInSecretTemplate(props.masterSecret), '`masterSecret`'],
    [target.masterUsername, 'the target database'],
  ];
  return known.filter((entry): entry is [string, string] => entry[0] !== undefined);
}

function resolveEngine(given: DatabaseEngine | undefined, target: DatabaseTargetConfig): DatabaseEngine {
  if (given !== undefined && target.engine !== undefined && given !== target.engine) {
    throw new Error(`\`engine\` must match the target database's engine '${target.engine}', got: '${given}'`);
  }
  const engine = given ?? target.engine;
  if (engine === undefined) {
    throw new Error('`engine` is required when the target does not tell its engine (an endpoint, or an imported RDS database), got: undefined');
  }
  return engine;
}

function resolveVpc(given: ec2.IVpc | undefined, target: DatabaseTargetConfig): ec2.IVpc {
  if (given && target.vpc && given !== target.vpc) {
    throw new Error(`\`vpc\` must be the target database's VPC '${target.vpc.node.path}' or be left out, got: '${given.node.path}'`);
  }
  const vpc = given ?? target.vpc;
  if (!vpc) {
    throw new Error('`vpc` is required when the target is an imported RDS database (rds.IDatabaseInstance and rds.IDatabaseCluster expose no VPC), got: undefined');
  }
  return vpc;
}
