import { Stack } from 'aws-cdk-lib';
import { ParameterValue, SecureParameterTree } from '../src/parameter-tree';

/**
 * A realistic mix of parameters for a tree of `count` entries: about 60% Strings (hosts, ports,
 * URLs, feature settings), 15% StringLists and 25% SecureStrings, spread over service folders.
 */
export interface MixEntry {
  readonly name: string;
  readonly kind: 'String' | 'StringList' | 'SecureString';
  readonly value: string;
  readonly items: string[];
}

export function parameterMix(count: number): MixEntry[] {
  const entries: MixEntry[] = [];
  for (let index = 0; index < count; index++) {
    const service = `service-${String(Math.floor(index / 20)).padStart(4, '0')}`;
    const slot = index % 20;
    const kind: MixEntry['kind'] = slot < 12 ? 'String' : slot < 15 ? 'StringList' : 'SecureString';
    const name = `${service}/${kind === 'SecureString' ? 'secret' : kind === 'StringList' ? 'list' : 'setting'}-${slot}`;
    entries.push({
      name,
      kind,
      value: kind === 'String' ? `https://${service}.internal.example.com:${8000 + slot}/v1` : '',
      items: kind === 'StringList' ? [`${service}-a.example.com`, `${service}-b.example.com`, `${service}-c.example.com`] : [],
    });
  }
  return entries;
}

/**
 * A tree of `count` parameters of the mix. `revision` goes into the first String's value, so two
 * revisions are the same tree with one value changed (an Update).
 */
export function mixedTree(stack: Stack, count: number, revision = 0): SecureParameterTree {
  const parameters: Record<string, ParameterValue> = {};
  parameterMix(count).forEach((entry, index) => {
    parameters[entry.name] = entry.kind === 'String'
      ? ParameterValue.string(index === 0 && revision > 0 ? `${entry.value}?revision=${revision}` : entry.value)
      : entry.kind === 'StringList'
        ? ParameterValue.stringList(entry.items)
        : ParameterValue.generatedSecret({ length: 32 });
  });
  return new SecureParameterTree(stack, 'Config', { path: '/bench/prod', parameters });
}
