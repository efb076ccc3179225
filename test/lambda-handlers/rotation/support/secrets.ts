/**
 * Drives Secrets Manager (moto_server) the way the real service does during a rotation, bridging
 * what moto 5.2 cannot do (see TESTING.md):
 * - moto's RotateSecret without a Lambda function moves AWSCURRENT at once, and with one it needs a
 *   Lambda it can run. So rotation is enabled once with RotateSecret (no Lambda, RotateImmediately
 *   false: moto re-stages the same value as AWSCURRENT), and each later rotation is started by
 *   `beginRotation`, which only records the token.
 * - The real service then shows the token as an empty AWSPENDING version in DescribeSecret (and
 *   GetSecretValue of it is ResourceNotFoundException until createSecret puts a value). `bridge`
 *   adds that entry to DescribeSecret answers until moto has a version with that id; every other
 *   call goes to moto unchanged.
 * - moto's RotateSecret that enables rotation makes a new version and stages the first one
 *   AWSPREVIOUS, which the real service does not: a secret never rotated has no AWSPREVIOUS. `bridge`
 *   hides that label in DescribeSecret answers.
 */
import { randomUUID } from 'crypto';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  DescribeSecretCommandOutput,
  RotateSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { DbSecretValue } from '../../../../src/rotation/private/contract';

export const secretsManager = new SecretsManagerClient({});

export async function createDbSecret(value: DbSecretValue): Promise<string> {
  const created = await secretsManager.send(new CreateSecretCommand({
    Name: `csc-rotation-${randomUUID()}`,
    SecretString: JSON.stringify(value),
  }));
  return created.ARN!;
}

export async function versionStages(secretId: string): Promise<Record<string, string[]>> {
  const described = await secretsManager.send(new DescribeSecretCommand({ SecretId: secretId }));
  return described.VersionIdsToStages ?? {};
}

/** Tokens of rotations started through `beginRotation`, per secret id. */
const startedRotations = new Map<string, string>();

/** Per secret id, the version moto staged AWSPREVIOUS when rotation was enabled. */
const enablingPrevious = new Map<string, string>();

/** Starts a rotation as Secrets Manager does before it invokes createSecret; returns the token. */
export async function beginRotation(secretId: string, token: string = randomUUID()): Promise<string> {
  const described = await secretsManager.send(new DescribeSecretCommand({ SecretId: secretId }));
  if (!described.RotationEnabled) {
    await secretsManager.send(new RotateSecretCommand({
      SecretId: secretId,
      RotationRules: { AutomaticallyAfterDays: 30 },
      RotateImmediately: false,
    }));
    const initial = Object.entries(described.VersionIdsToStages ?? {}).find(([, labels]) => labels.includes('AWSCURRENT'))?.[0];
    if (initial) enablingPrevious.set(secretId, initial);
  }
  startedRotations.set(secretId, token);
  return token;
}

/** Drops the AWSPREVIOUS label moto gave when rotation was enabled, while that version keeps it. */
function withoutEnablingPrevious(secretId: string, stages: Record<string, string[]>): Record<string, string[]> {
  const artefact = enablingPrevious.get(secretId);
  if (!artefact || !stages[artefact]) return stages;
  const labels = stages[artefact].filter((label) => label !== 'AWSPREVIOUS');
  const { [artefact]: _dropped, ...others } = stages;
  return labels.length > 0 ? { ...others, [artefact]: labels } : others;
}

function withStartedRotation(secretId: string, output: DescribeSecretCommandOutput): DescribeSecretCommandOutput {
  const token = startedRotations.get(secretId);
  const stages = withoutEnablingPrevious(secretId, output.VersionIdsToStages ?? {});
  if (!token || stages[token]) return { ...output, VersionIdsToStages: stages };
  // The real service has moved AWSPENDING to the new, still empty, version.
  const moved = Object.fromEntries(Object.entries(stages)
    .map(([versionId, labels]) => [versionId, labels.filter((label) => label !== 'AWSPENDING')])
    .filter(([, labels]) => labels.length > 0));
  return { ...output, VersionIdsToStages: { ...moved, [token]: ['AWSPENDING'] } };
}

/** Wraps a client so that DescribeSecret shows started rotations as the real service would. */
export function bridge(client: Pick<SecretsManagerClient, 'send'>): Pick<SecretsManagerClient, 'send'> {
  return {
    send: (async (command: any, ...rest: any[]) => {
      const output = await (client.send as any)(command, ...rest);
      if (command instanceof DescribeSecretCommand) {
        return withStartedRotation(command.input.SecretId!, output as DescribeSecretCommandOutput);
      }
      return output;
    }) as SecretsManagerClient['send'],
  };
}

export async function secretAt(secretId: string, stage: string): Promise<DbSecretValue | undefined> {
  try {
    const value = await secretsManager.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: stage }));
    return JSON.parse(value.SecretString!) as DbSecretValue;
  } catch (err) {
    if ((err as Error).name === 'ResourceNotFoundException') return undefined;
    throw err;
  }
}

/** Every version that carries a stage and a value, as parsed secrets. */
export async function stagedSecrets(secretId: string): Promise<DbSecretValue[]> {
  const result: DbSecretValue[] = [];
  for (const [versionId, labels] of Object.entries(await versionStages(secretId))) {
    if (labels.length === 0) continue;
    try {
      const value = await secretsManager.send(new GetSecretValueCommand({ SecretId: secretId, VersionId: versionId, VersionStage: labels[0] }));
      result.push(JSON.parse(value.SecretString!) as DbSecretValue);
    } catch (err) {
      if ((err as Error).name !== 'ResourceNotFoundException') throw err;
    }
  }
  return result;
}
