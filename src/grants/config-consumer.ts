import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';

/**
 * Who reads the configuration. jsii has no union types, so each kind of consumer has a factory;
 * each knows which role reads at run time and what else the consumer needs.
 */
export class ConfigConsumer {
  /**
   * A Lambda function: its execution role reads, the AWS Parameters and Secrets Lambda Extension
   * is attached (unless the grant says otherwise) and the granted paths and secret ARNs are passed
   * in environment variables.
   *
   * @param fn the function
   * @param executionRole the role that receives the grant's policies, for a function built with
   *   a `mutable: false` reference to a role of this app (so that aws-cdk-lib adds no inline
   *   policy to it): grants never attach policies to an immutable role. @default - `fn`'s role
   */
  public static lambdaFunction(fn: lambda.Function, executionRole?: iam.IRole): ConfigConsumer {
    return new ConfigConsumer(executionRole ?? fn, fn, undefined);
  }

  /**
   * An ECS task: its task role reads at run time, and its execution role (created if missing) may
   * decrypt, through SSM and Secrets Manager only, the granted parameters and secrets that ECS
   * injects as container secrets (`ecs.Secret.fromSsmParameter(tree.stringParameter(...))`).
   * aws-cdk-lib grants the execution role `ssm:GetParameters` for each injected parameter but
   * not `kms:Decrypt` on a customer-managed key, and the container then fails to start.
   */
  public static ecsTask(taskDefinition: ecs.TaskDefinition): ConfigConsumer {
    return new ConfigConsumer(taskDefinition.taskRole, undefined, taskDefinition);
  }

  /** An EC2 instance: its instance role reads. */
  public static ec2Instance(instance: ec2.Instance): ConfigConsumer {
    return new ConfigConsumer(instance, undefined, undefined);
  }

  /** Any grantable: a role, a user, a group, or a construct that has a principal. */
  public static grantable(grantable: iam.IGrantable): ConfigConsumer {
    return new ConfigConsumer(grantable, undefined, undefined);
  }

  /** The principal that reads at run time. */
  public readonly grantee: iam.IGrantable;

  /** @internal */
  public readonly _function?: lambda.Function;

  /** @internal */
  public readonly _taskDefinition?: ecs.TaskDefinition;

  private constructor(grantee: iam.IGrantable, fn: lambda.Function | undefined, taskDefinition: ecs.TaskDefinition | undefined) {
    this.grantee = grantee;
    this._function = fn;
    this._taskDefinition = taskDefinition;
  }
}
