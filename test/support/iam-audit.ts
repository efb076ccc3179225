/**
 * SDK clients that, before each call reaches moto_server, build the requests IAM would
 * authorize for it (the action, the resource ARN, the context: tags the parameter carries, tags
 * the request sends, ssm:Overwrite, and the KMS calls Parameter Store makes with the caller's
 * permissions) and evaluate them against a policy with the stand-in of policy-evaluator.ts.
 * moto_server evaluates none of this itself (see policy-evaluator.ts), so the calls still succeed
 * there; the refusals are collected for the test to assert on.
 */
import { DecryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  AddTagsToResourceCommand,
  DeleteParametersCommand,
  DescribeParametersCommand,
  GetParameterCommand,
  GetParameterHistoryCommand,
  GetParametersByPathCommand,
  GetParametersCommand,
  LabelParameterVersionCommand,
  ListTagsForResourceCommand,
  PutParameterCommand,
  RemoveTagsFromResourceCommand,
  SSMClient,
  Tag,
  UnlabelParameterVersionCommand,
} from '@aws-sdk/client-ssm';
import { evaluate, EvaluatedRequest, PolicyDocument } from './policy-evaluator';

/** Where the audited calls run. */
export interface AuditScope {
  readonly policy: PolicyDocument;
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  readonly urlSuffix: string;
  /** The tag whose value IAM conditions on (aws:ResourceTag/<key>, aws:RequestTag/<key>). */
  readonly conditionTagKeys: string[];
}

/** One refused request, with the SDK command that needed it. */
export interface Refusal {
  readonly command: string;
  readonly request: EvaluatedRequest;
}

/** A parameter's name without a `:label` or `:version` selector. */
function bareName(name: string): string {
  return name.replace(/:[^/]*$/, '');
}

function tagsOfRequest(tags: Tag[] | undefined): Record<string, string> | undefined {
  return tags && Object.fromEntries(tags.map((t) => [t.Key!, t.Value!]));
}

/** Collects what the audited clients' calls needed and what IAM would have refused. */
export class IamAudit {
  public readonly refusals: Refusal[] = [];
  /** Actions evaluated, with how many times, for the test to see the audit was not empty. */
  public readonly evaluated = new Map<string, number>();
  /** Reads the current state for the context; its own calls are not audited. */
  private readonly inspector = new SSMClient({});

  constructor(private readonly scope: AuditScope) {}

  /** An SSM client whose every call is audited first. */
  public ssmClient(): SSMClient {
    const client = new SSMClient({});
    const send = client.send.bind(client) as (command: unknown) => Promise<unknown>;
    (client as any).send = async (command: any) => {
      await this.check(command.constructor.name, await this.ssmRequests(command));
      return send(command);
    };
    return client;
  }

  /**
   * An S3 client whose every call is audited first (GetObject only: the manifest read). The
   * object is not encrypted with KMS in moto_server, so no kms:Decrypt through S3 is evaluated.
   */
  public s3Client(options: ConstructorParameters<typeof S3Client>[0] = {}): S3Client {
    const client = new S3Client(options);
    const send = client.send.bind(client) as (command: unknown) => Promise<unknown>;
    (client as any).send = async (command: any) => {
      if (!(command instanceof GetObjectCommand)) throw new Error(`iam-audit has no IAM mapping for ${command.constructor.name}`);
      const { Bucket, Key } = command.input;
      await this.check('GetObjectCommand', [{ action: 's3:GetObject', resource: `arn:${this.scope.partition}:s3:::${Bucket}/${Key}` }]);
      return send(command);
    };
    return client;
  }

  /** A KMS client whose every call is audited first. */
  public kmsClient(): KMSClient {
    const client = new KMSClient({});
    const send = client.send.bind(client) as (command: unknown) => Promise<unknown>;
    (client as any).send = async (command: any) => {
      if (!(command instanceof DecryptCommand)) throw new Error(`iam-audit has no IAM mapping for ${command.constructor.name}`);
      const input = command.input;
      const result = await send(command) as { KeyId?: string };
      // The key a ciphertext names is known from the answer; IAM checks it before decrypting.
      const contextKeys = Object.keys(input.EncryptionContext ?? {});
      const context: Record<string, string> = contextKeys.length > 0 ? { 'kms:EncryptionContextKeys': contextKeys.join(',') } : {};
      await this.check('DecryptCommand', [{ action: 'kms:Decrypt', resource: this.keyArn(input.KeyId ?? result.KeyId!), context }]);
      return result;
    };
    return client;
  }

  private async check(command: string, requests: EvaluatedRequest[]): Promise<void> {
    for (const request of requests) {
      this.evaluated.set(request.action, (this.evaluated.get(request.action) ?? 0) + 1);
      if (evaluate(this.scope.policy, request) !== 'allow') this.refusals.push({ command, request });
    }
  }

  private arn(service: string, resource: string): string {
    return `arn:${this.scope.partition}:${service}:${this.scope.region}:${this.scope.account}:${resource}`;
  }

  private keyArn(keyId: string): string {
    return keyId.startsWith('arn:') ? keyId : this.arn('kms', keyId.startsWith('alias/') ? keyId : `key/${keyId}`);
  }

  private async tagsOf(name: string): Promise<Record<string, string> | undefined> {
    try {
      const answer = await this.inspector.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: name }));
      return Object.fromEntries((answer.TagList ?? []).map((t) => [t.Key!, t.Value!]));
    } catch (error) {
      if ((error as Error).name === 'InvalidResourceId' || (error as Error).name === 'ParameterNotFound') return undefined;
      throw error;
    }
  }

  private async keyOf(name: string): Promise<string | undefined> {
    const answer = await this.inspector.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Name', Option: 'Equals', Values: [name] }] }));
    const found = answer.Parameters?.[0];
    return found?.Type === 'SecureString' ? found.KeyId : undefined;
  }

  private tagContext(prefix: 'aws:ResourceTag' | 'aws:RequestTag', tags: Record<string, string> | undefined): Record<string, string> {
    return Object.fromEntries(this.scope.conditionTagKeys.filter((key) => tags?.[key] !== undefined).map((key) => [`${prefix}/${key}`, tags![key]]));
  }

  /** What Parameter Store asks KMS with the caller's permissions, for the parameter `name`. */
  private throughParameterStore(action: string, keyId: string, name: string): EvaluatedRequest {
    return {
      action,
      resource: this.keyArn(keyId),
      context: {
        'kms:ViaService': `ssm.${this.scope.region}.${this.scope.urlSuffix}`,
        'kms:EncryptionContext:PARAMETER_ARN': this.arn('ssm', `parameter${name}`),
        'kms:EncryptionContextKeys': 'PARAMETER_ARN',
      },
    };
  }

  /** A call on existing parameters: the action on each, with the tags each carries, and the decryption it needs. */
  private async onParameters(action: string, names: string[], withDecryption = false): Promise<EvaluatedRequest[]> {
    const requests: EvaluatedRequest[] = [];
    for (const name of names.map(bareName)) {
      requests.push({ action, resource: this.arn('ssm', `parameter${name}`), context: this.tagContext('aws:ResourceTag', await this.tagsOf(name)) });
      const key = withDecryption ? await this.keyOf(name) : undefined;
      if (key) requests.push(this.throughParameterStore('kms:Decrypt', key, name));
    }
    return requests;
  }

  private async ssmRequests(command: unknown): Promise<EvaluatedRequest[]> {
    if (command instanceof DescribeParametersCommand) return [{ action: 'ssm:DescribeParameters', resource: '*' }];
    if (command instanceof GetParametersByPathCommand) {
      return [{ action: 'ssm:GetParametersByPath', resource: this.arn('ssm', `parameter${command.input.Path}`) }];
    }
    if (command instanceof ListTagsForResourceCommand) return this.onParameters('ssm:ListTagsForResource', [command.input.ResourceId!]);
    if (command instanceof GetParametersCommand) return this.onParameters('ssm:GetParameters', command.input.Names!, command.input.WithDecryption);
    if (command instanceof GetParameterCommand) return this.onParameters('ssm:GetParameter', [command.input.Name!], command.input.WithDecryption);
    if (command instanceof GetParameterHistoryCommand) return this.onParameters('ssm:GetParameterHistory', [command.input.Name!], command.input.WithDecryption);
    if (command instanceof LabelParameterVersionCommand) return this.onParameters('ssm:LabelParameterVersion', [command.input.Name!]);
    if (command instanceof UnlabelParameterVersionCommand) return this.onParameters('ssm:UnlabelParameterVersion', [command.input.Name!]);
    if (command instanceof RemoveTagsFromResourceCommand) return this.onParameters('ssm:RemoveTagsFromResource', [command.input.ResourceId!]);
    if (command instanceof DeleteParametersCommand) return this.onParameters('ssm:DeleteParameters', command.input.Names!);
    if (command instanceof AddTagsToResourceCommand) {
      const name = command.input.ResourceId!;
      const context = { ...this.tagContext('aws:ResourceTag', await this.tagsOf(name)), ...this.tagContext('aws:RequestTag', tagsOfRequest(command.input.Tags)) };
      return [{ action: 'ssm:AddTagsToResource', resource: this.arn('ssm', `parameter${name}`), context }];
    }
    if (command instanceof PutParameterCommand) return this.putRequests(command);
    throw new Error(`iam-audit has no IAM mapping for ${(command as object).constructor.name}`);
  }

  private async putRequests(command: PutParameterCommand): Promise<EvaluatedRequest[]> {
    const input = command.input;
    const name = input.Name!;
    const resource = this.arn('ssm', `parameter${name}`);
    const existing = await this.tagsOf(name);
    const requestTags = tagsOfRequest(input.Tags);
    // ssm:Overwrite is in the context only when the request says; a request that leaves it out
    // cannot meet a condition on it (the strict reading, which the reconciler must satisfy).
    const overwrite: Record<string, string> = input.Overwrite === undefined ? {} : { 'ssm:Overwrite': String(input.Overwrite) };
    const requests: EvaluatedRequest[] = [{
      action: 'ssm:PutParameter',
      resource,
      context: { ...overwrite, ...this.tagContext('aws:ResourceTag', existing), ...this.tagContext('aws:RequestTag', requestTags) },
    }];
    // Creating with tags also needs AddTagsToResource (a dependent action of PutParameter).
    if (requestTags) requests.push({ action: 'ssm:AddTagsToResource', resource, context: this.tagContext('aws:RequestTag', requestTags) });
    if (input.Type === 'SecureString' || (input.Type === undefined && (await this.keyOf(name)) !== undefined)) {
      const key = input.KeyId ?? (await this.keyOf(name)) ?? 'alias/aws/ssm';
      const action = input.Tier === 'Advanced' ? 'kms:GenerateDataKey' : 'kms:Encrypt';
      requests.push(this.throughParameterStore(action, key, name));
    }
    return requests;
  }
}
