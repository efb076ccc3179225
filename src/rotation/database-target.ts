import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as rds from 'aws-cdk-lib/aws-rds';
import { DatabaseEngine } from './database-engine';
import { engineFromRdsEngineType } from './private/engines';
import { masterUsernameOfDatabase } from './private/master-user';
import { requireObject, requireType } from './private/validation';

/**
 * A database reached at a host and port, outside Amazon RDS or not managed by this app.
 */
export interface DatabaseEndpointOptions {
  /** Host name or IP address clients connect to. */
  readonly host: string;
  /** TCP port the database listens on. */
  readonly port: number;
  /** The VPC the database is reachable from; the rotation function runs in it. */
  readonly vpc: ec2.IVpc;
  /**
   * The database's security group. RotatingDbSecret adds an ingress rule to it that lets the
   * rotation function reach `port`; import it with `mutable: true` if it lives elsewhere.
   */
  readonly securityGroup: ec2.ISecurityGroup;
  /**
   * Subnets the rotation function runs in. They must route to the database.
   *
   * @default - the VPC's default selection: its private subnets
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
}

/**
 * What a DatabaseTarget tells RotatingDbSecret about the database.
 */
export interface DatabaseTargetConfig {
  /** Host name clients connect to. */
  readonly host: string;
  /** TCP port the database listens on. */
  readonly port: number;
  /** The database's network side; the rotation function is allowed in on `port`. */
  readonly connections: ec2.Connections;
  /**
   * The engine, when the target knows it.
   *
   * @default - unknown: RotatingDbSecret's `engine` prop is required
   */
  readonly engine?: DatabaseEngine;
  /**
   * The VPC the database is reachable from.
   *
   * @default - unknown: RotatingDbSecret's `vpc` prop is required
   */
  readonly vpc?: ec2.IVpc;
  /**
   * Subnets for the rotation function.
   *
   * @default - the VPC's default selection: its private subnets
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /**
   * The database's master user name, when known at synth time; RotatingDbSecret refuses to
   * rotate it as an application user.
   *
   * @default - unknown
   */
  readonly masterUsername?: string;
}

/**
 * The database whose user a RotatingDbSecret rotates: an RDS instance, an RDS or Aurora
 * cluster, or any endpoint in a VPC.
 */
export abstract class DatabaseTarget {
  /**
   * An RDS DB instance. Host and port come from its endpoint, the engine from its engine
   * when it has one, the VPC from the instance when this app created it.
   */
  public static instance(instance: rds.IDatabaseInstance): DatabaseTarget {
    requireObject(instance, 'DatabaseTarget.instance(instance)', 'an rds.IDatabaseInstance', 'dbInstanceEndpointAddress');
    return new ConfiguredTarget({
      host: instance.dbInstanceEndpointAddress,
      port: instance.instanceEndpoint.port,
      connections: instance.connections,
      engine: engineFromRdsEngineType(instance.engine?.engineType),
      vpc: vpcOf(instance),
      masterUsername: masterUsernameOfDatabase(instance),
    });
  }

  /**
   * An RDS or Aurora DB cluster, rotated through its writer endpoint. Host and port come from
   * that endpoint, the engine from the cluster's engine when it has one, the VPC from the
   * cluster when this app created it.
   */
  public static cluster(cluster: rds.IDatabaseCluster): DatabaseTarget {
    requireObject(cluster, 'DatabaseTarget.cluster(cluster)', 'an rds.IDatabaseCluster', 'clusterEndpoint');
    return new ConfiguredTarget({
      host: cluster.clusterEndpoint.hostname,
      port: cluster.clusterEndpoint.port,
      connections: cluster.connections,
      engine: engineFromRdsEngineType(cluster.engine?.engineType),
      vpc: vpcOf(cluster),
      masterUsername: masterUsernameOfDatabase(cluster),
    });
  }

  /**
   * A database at a host and port in a VPC, behind a security group. RotatingDbSecret's
   * `engine` prop is required with this target.
   */
  public static endpoint(options: DatabaseEndpointOptions): DatabaseTarget {
    requireObject(options, 'DatabaseTarget.endpoint(options)', 'DatabaseEndpointOptions');
    requireType(options.host, 'host', 'string');
    requireType(options.port, 'port', 'number');
    requireObject(options.vpc, 'vpc', 'an ec2.IVpc', 'vpcId');
    requireObject(options.securityGroup, 'securityGroup', 'an ec2.ISecurityGroup', 'securityGroupId');
    return new ConfiguredTarget({
      host: options.host,
      port: options.port,
      connections: new ec2.Connections({ securityGroups: [options.securityGroup] }),
      vpc: options.vpc,
      vpcSubnets: options.vpcSubnets,
    });
  }

  /** What RotatingDbSecret needs to know about the database. */
  public abstract readonly config: DatabaseTargetConfig;
}

class ConfiguredTarget extends DatabaseTarget {
  constructor(public readonly config: DatabaseTargetConfig) {
    super();
  }
}

/**
 * `rds.IDatabaseInstance` and `rds.IDatabaseCluster` expose no VPC, but the instances and
 * clusters this app creates do (`DatabaseInstance.vpc`, `DatabaseCluster.vpc`).
 */
function vpcOf(database: object): ec2.IVpc | undefined {
  const candidate = (database as { vpc?: unknown }).vpc;
  return isVpc(candidate) ? candidate : undefined;
}

function isVpc(candidate: unknown): candidate is ec2.IVpc {
  return typeof candidate === 'object' && candidate !== null && 'vpcId' in candidate && 'selectSubnets' in candidate;
}
