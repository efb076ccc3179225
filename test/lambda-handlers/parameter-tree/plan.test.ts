/**
 * The reconciler's decision table, without any I/O: what each parameter needs, by kind, by what
 * Parameter Store holds, and by what the previous deployment asked for.
 */
import { specLabelOf } from '../../../lambda-handlers/parameter-tree/hashing';
import {
  Leftovers,
  ParameterAction,
  ParameterPlanInput,
  planParameter,
  planTree,
  refusalMessage,
  StoredParameter,
  TreePlanInput,
} from '../../../lambda-handlers/parameter-tree/plan';
import {
  ADOPTED_TAG,
  GENERATION_TAG,
  OWNER_TAG,
  ParameterKind,
  ParameterSpec,
  TreeResourceProperties,
} from '../../../src/parameter-tree/private/contract';

const KEY = 'arn:aws:kms:us-east-1:111122223333:key/1111aaaa-0000-4000-8000-000000000001';
const OTHER_KEY = 'arn:aws:kms:us-east-1:111122223333:key/2222bbbb-0000-4000-8000-000000000002';
const OWNER = 'ShopStack/Config1A2B';
const GENERATION = '0123456789abcdef';
const PATH = '/shop/prod';

const base = { Name: 'p', Tier: 'Standard' as const, Description: '' };
const SPECS: Record<string, ParameterSpec> = {
  String: { ...base, Kind: ParameterKind.STRING, Value: 'db.example.com' },
  StringList: { ...base, Kind: ParameterKind.STRING_LIST, Value: 'a,b' },
  Generated: { ...base, Kind: ParameterKind.GENERATED, Generator: { Length: '32', ExcludeCharacters: '', ExcludePunctuation: 'false', Generation: '1' } },
  Placeholder: { ...base, Kind: ParameterKind.PLACEHOLDER },
  Encrypted: { ...base, Kind: ParameterKind.ENCRYPTED, Ciphertext: 'AQICAHg=', CiphertextKeyArn: '' },
  UnsafeLiteral: { ...base, Kind: ParameterKind.UNSAFE_LITERAL, Value: 'literal' },
};
type Kind = keyof typeof SPECS;

/** The same kind with a different spec: another value, generator generation or ciphertext. */
function changedSpec(spec: ParameterSpec): ParameterSpec {
  switch (spec.Kind) {
    case ParameterKind.GENERATED: return { ...spec, Generator: { ...spec.Generator!, Generation: '2' } };
    case ParameterKind.ENCRYPTED: return { ...spec, Ciphertext: 'AQICAHh=' };
    case ParameterKind.PLACEHOLDER: return spec;
    default: return { ...spec, Value: `${spec.Value}-old` };
  }
}

function typeOfKind(kind: Kind): StoredParameter['type'] {
  return kind === 'String' ? 'String' : kind === 'StringList' ? 'StringList' : 'SecureString';
}

function props(parameters: ParameterSpec[], overrides: Partial<TreeResourceProperties> = {}): TreeResourceProperties {
  return { Path: PATH, KeyArn: KEY, RemovalPolicy: 'destroy', AdoptExisting: 'false', Tags: [], Parameters: parameters, ...overrides };
}

/**
 * Stored states, each as the scan describes the parameter, who holds it, and (for a plain one the
 * tree holds) the value read. 'foreign' is untagged (adoptable); 'legacy' carries the legacy owner.
 */
type StoredState = 'missing' | 'in sync' | 'other value' | 'other description' | 'other key' | 'other type' | 'foreign' | 'legacy';

function storedFor(kind: Kind, state: StoredState): Pick<ParameterPlanInput, 'stored' | 'holder' | 'value'> {
  if (state === 'missing') return {};
  const type = state === 'other type' ? (kind === 'String' ? 'StringList' : 'String') : typeOfKind(kind);
  const spec = SPECS[kind];
  const stored: StoredParameter = {
    type,
    version: 3,
    description: state === 'other description' ? 'old description' : '',
    tier: 'Standard',
    keyId: type === 'SecureString' ? (state === 'other key' ? OTHER_KEY : KEY) : undefined,
  };
  const holder = state === 'foreign' ? 'nobody' : state === 'legacy' ? 'legacy-owner' : 'owner';
  // Values are read only for plain parameters the tree holds, and never decrypted.
  const value = type === 'SecureString' || holder === 'nobody' ? undefined : state === 'other value' ? 'something else' : spec.Value;
  return { stored, holder, ...(value === undefined ? {} : { value }) };
}

type Previous = 'none' | 'same' | 'changed';

function input(kind: Kind, state: StoredState, previous: Previous): ParameterPlanInput {
  const spec = SPECS[kind];
  const previousSpec = previous === 'none' ? undefined : previous === 'same' ? spec : changedSpec(spec);
  return {
    spec,
    previous: previousSpec,
    props: props([spec]),
    oldProps: previousSpec ? props([previousSpec]) : undefined,
    owner: OWNER,
    generation: GENERATION,
    ...storedFor(kind, state),
  };
}

/** One short word per action, enough to read a row of the table. */
function summary(actions: ParameterAction[]): string[] {
  return actions.map((action) => {
    switch (action.kind) {
      case 'create':
      case 'replace':
        return `${action.kind}(${action.source})${action.label ? '+label' : ''}`;
      case 'write': {
        const s = action.source;
        const from = s.from === 'labelled' ? `labelled|${s.otherwise}${s.skipIfLabelOn ? `,skip@${s.skipIfLabelOn}` : ''}` : s.from;
        return `write(${from})${action.label ? '+label' : ''}`;
      }
      default: return action.kind;
    }
  });
}

describe('planParameter: a parameter that does not exist', () => {
  test.each<[Kind, string]>([
    ['String', 'create(spec)'],
    ['StringList', 'create(spec)'],
    ['Generated', 'create(generate)+label'],
    ['Placeholder', 'create(placeholder)'],
    ['Encrypted', 'create(decrypt)+label'],
    ['UnsafeLiteral', 'create(spec)+label'],
  ])('%s is created as %s, whatever the previous spec', (kind, expected) => {
    for (const previous of ['none', 'same', 'changed'] as const) {
      expect(summary(planParameter(input(kind, 'missing', previous)))).toEqual([expected]);
    }
  });

  test('a create is tagged with the user tags, the owner and the generation, with the spec label', () => {
    // GIVEN
    const spec = { ...SPECS.Generated, Tags: [{ Key: 'team', Value: 'payments' }] };
    const tree = props([spec], { Tags: [{ Key: 'team', Value: 'shop' }, { Key: 'env', Value: 'prod' }] });

    // WHEN
    const [action] = planParameter({ spec, props: tree, owner: OWNER, generation: GENERATION });

    // THEN
    expect(action).toEqual({
      kind: 'create',
      put: { type: 'SecureString', keyId: KEY, description: '', tier: 'Standard' },
      source: 'generate',
      tags: new Map([['team', 'payments'], ['env', 'prod'], [OWNER_TAG, OWNER], [GENERATION_TAG, GENERATION]]),
      label: specLabelOf(spec, KEY),
    });
  });
});

describe('planParameter: the value of an owned parameter, by kind x stored state x previous spec', () => {
  test.each<[Kind, StoredState, Previous, string]>([
    // Strings compare the value itself; the previous spec does not matter.
    ['String', 'in sync', 'none', 'keep'],
    ['String', 'in sync', 'same', 'keep'],
    ['String', 'in sync', 'changed', 'keep'],
    ['String', 'other value', 'same', 'write(spec)'],
    ['String', 'other value', 'changed', 'write(spec)'],
    ['String', 'other description', 'same', 'write(spec)'],
    // A type change between String and StringList: Parameter Store refuses it in a hierarchy, so delete and create.
    ['String', 'other type', 'same', 'replace(spec)'],
    ['String', 'other key', 'same', 'keep'],
    ['StringList', 'in sync', 'same', 'keep'],
    ['StringList', 'other value', 'changed', 'write(spec)'],
    ['StringList', 'other type', 'none', 'replace(spec)'],
    // A placeholder's value is the operator's: only its metadata or type is ever rewritten.
    ['Placeholder', 'in sync', 'same', 'keep'],
    ['Placeholder', 'other value', 'same', 'keep'],
    ['Placeholder', 'other value', 'none', 'keep'],
    ['Placeholder', 'other description', 'same', 'write(operator)'],
    ['Placeholder', 'other key', 'same', 'write(operator)'],
    // A plain parameter becoming a secret: deleted and created, tagged and labelled afresh.
    ['Placeholder', 'other type', 'same', 'replace(placeholder)'],
    // Secrets whose spec is unchanged since the last deploy: the latest version is that spec's value.
    ['Generated', 'in sync', 'same', 'keep'],
    ['Generated', 'other description', 'same', 'write(stored)+label'],
    ['Generated', 'other key', 'same', 'write(stored)+label'],
    ['Encrypted', 'in sync', 'same', 'keep'],
    ['Encrypted', 'other key', 'same', 'write(stored)+label'],
    ['UnsafeLiteral', 'in sync', 'same', 'keep'],
    ['UnsafeLiteral', 'other description', 'same', 'write(stored)+label'],
    // No previous spec, or a changed one (a rollback, a spec flipping back): find the label.
    ['Generated', 'in sync', 'none', 'write(labelled|generate,skip@3)+label'],
    ['Generated', 'in sync', 'changed', 'write(labelled|generate,skip@3)+label'],
    ['Generated', 'other description', 'changed', 'write(labelled|generate)+label'],
    ['Generated', 'other type', 'same', 'replace(generate)+label'],
    ['Encrypted', 'in sync', 'changed', 'write(labelled|decrypt,skip@3)+label'],
    ['Encrypted', 'other key', 'none', 'write(labelled|decrypt)+label'],
    ['UnsafeLiteral', 'in sync', 'changed', 'write(labelled|spec,skip@3)+label'],
    ['UnsafeLiteral', 'other type', 'none', 'replace(spec)+label'],
    ['Encrypted', 'other type', 'changed', 'replace(decrypt)+label'],
  ])('%s, stored %s, previous spec %s: %s', (kind, state, previous, expected) => {
    expect(summary(planParameter(input(kind, state, previous)))).toEqual([expected]);
  });

  test('a write keeps an Advanced parameter Advanced when the spec asks for Standard', () => {
    // GIVEN
    const parameter = input('String', 'other value', 'same');
    const stored = { ...parameter.stored!, tier: 'Advanced' };

    // WHEN
    const [action] = planParameter({ ...parameter, stored });

    // THEN
    expect(action).toMatchObject({ kind: 'write', put: { tier: 'Advanced', type: 'String', keyId: undefined } });
  });

  test('an Intelligent-Tiering spec does not rewrite a parameter the service moved to Advanced', () => {
    const parameter = input('String', 'in sync', 'same');
    const spec = { ...parameter.spec, Tier: 'Intelligent-Tiering' as const };
    expect(summary(planParameter({ ...parameter, spec, stored: { ...parameter.stored!, tier: 'Advanced' } }))).toEqual(['keep']);
  });

  test('a key reported as a bare key id is the same key', () => {
    const parameter = input('Generated', 'in sync', 'same');
    const stored = { ...parameter.stored!, keyId: '1111aaaa-0000-4000-8000-000000000001' };
    expect(summary(planParameter({ ...parameter, stored }))).toEqual(['keep']);
  });
});

describe('planParameter: ownership and tags', () => {
  test.each<[Kind, Previous, string[]]>([
    ['String', 'same', ['claim', 'write(spec)']],
    ['Placeholder', 'none', ['claim', 'write(operator)']],
    ['Generated', 'same', ['claim', 'write(stored)+label']],
    ['Encrypted', 'none', ['claim', 'write(labelled|decrypt)+label']],
  ])('a foreign %s (adoptExisting), previous spec %s, is claimed first, then written once: %p', (kind, previous, expected) => {
    expect(summary(planParameter(input(kind, 'foreign', previous)))).toEqual(expected);
  });

  test('an adoption carries the user tags, the owner, the generation and the adopted mark', () => {
    const [claim] = planParameter({ ...input('String', 'foreign', 'none'), props: props([SPECS.String], { Tags: [{ Key: 'team', Value: 'shop' }] }) });
    expect(claim).toEqual({ kind: 'claim', tags: new Map([['team', 'shop'], [OWNER_TAG, OWNER], [GENERATION_TAG, GENERATION], [ADOPTED_TAG, 'true']]) });
  });

  test.each<Kind>(['String', 'Generated', 'Placeholder'])('a %s held under the legacy owner tag is claimed with the owner, not marked adopted, then kept as owned', (kind) => {
    const actions = planParameter(input(kind, 'legacy', 'same'));
    expect(summary(actions)).toEqual(['claim', 'keep']);
    expect(actions[0]).toEqual({ kind: 'claim', tags: new Map([[OWNER_TAG, OWNER], [GENERATION_TAG, GENERATION]]) });
  });

  test('an owned parameter of another generation is written, never re-tagged: its generation tag is a birth tag', () => {
    expect(summary(planParameter({ ...input('String', 'other value', 'same'), generation: 'feedfacefeedface' }))).toEqual(['write(spec)']);
    expect(summary(planParameter({ ...input('Generated', 'in sync', 'same'), generation: 'feedfacefeedface' }))).toEqual(['keep']);
  });

  test.each<[string, TreeResourceProperties['Tags'], TreeResourceProperties['Tags'] | undefined, string[]]>([
    ['unchanged tags', [{ Key: 'team', Value: 'shop' }], [{ Key: 'team', Value: 'shop' }], ['keep']],
    ['a changed tag value', [{ Key: 'team', Value: 'payments' }], [{ Key: 'team', Value: 'shop' }], ['sync-tags', 'keep']],
    ['a removed tag', [], [{ Key: 'team', Value: 'shop' }], ['sync-tags', 'keep']],
    ['a parameter new to the properties, with tags', [{ Key: 'team', Value: 'shop' }], undefined, ['sync-tags', 'keep']],
    ['a parameter new to the properties, without tags', [], undefined, ['keep']],
  ])('user tags: %s', (_, tags, oldTags, expected) => {
    // GIVEN
    const spec = SPECS.String;
    const parameter: ParameterPlanInput = {
      ...input('String', 'in sync', oldTags ? 'same' : 'none'),
      props: props([spec], { Tags: tags }),
      oldProps: oldTags ? props([spec], { Tags: oldTags }) : undefined,
    };

    // THEN
    expect(summary(planParameter(parameter))).toEqual(expected);
  });

  test('a tag sync knows the previous tags, so it removes only those the properties dropped', () => {
    const spec = SPECS.String;
    const [sync] = planParameter({
      ...input('String', 'in sync', 'same'),
      props: props([spec], { Tags: [{ Key: 'env', Value: 'prod' }] }),
      oldProps: props([spec], { Tags: [{ Key: 'team', Value: 'shop' }, { Key: 'env', Value: 'prod' }] }),
    });
    expect(sync).toEqual({ kind: 'sync-tags', desired: new Map([['env', 'prod']]), previous: new Map([['team', 'shop'], ['env', 'prod']]) });
  });
});

describe('planTree', () => {
  const name = (relative: string) => `${PATH}/${relative}`;
  const plainStored: StoredParameter = { type: 'String', version: 1, description: '', tier: 'Standard' };
  const secretStored: StoredParameter = { type: 'SecureString', version: 1, description: '', tier: 'Standard', keyId: KEY };
  const a = { ...SPECS.String, Name: 'a', Value: 'x' };
  const b = { ...SPECS.String, Name: 'b', Value: 'x' };

  function tree(overrides: Partial<TreePlanInput>): TreePlanInput {
    return {
      props: props([a, b]),
      owner: OWNER,
      generation: GENERATION,
      stored: new Map(),
      owned: new Set(),
      legacyOwned: new Set(),
      foreignOwners: new Map(),
      adopted: new Set(),
      values: new Map(),
      ...overrides,
    };
  }

  test('refuses an untagged parameter without adoptExisting, and plans nothing at all', () => {
    const plan = planTree(tree({
      stored: new Map([[name('a'), plainStored], [name('b'), plainStored]]),
      owned: new Set([name('b')]),
      foreignOwners: new Map([[name('a'), undefined]]),
    }));
    expect(plan.refused).toEqual([{ name: name('a'), reason: 'not-owned' }]);
    expect(plan.parameters).toEqual([]);
    expect(refusalMessage(plan.refused, OWNER)).toMatch(/^nothing was changed: '\/shop\/prod\/a' already exists and is not owned by .*adoptExisting/);
  });

  test('with adoptExisting an untagged parameter is claimed as adopted', () => {
    const plan = planTree(tree({
      props: props([a], { AdoptExisting: 'true' }),
      stored: new Map([[name('a'), plainStored]]),
      foreignOwners: new Map([[name('a'), undefined]]),
    }));
    expect(plan.refused).toEqual([]);
    expect(summary([...plan.parameters[0].actions])).toEqual(['claim', 'write(spec)']);
  });

  test.each(['false', 'true'] as const)('a parameter of another tree is refused, adoptExisting %s, naming it and its owner', (adoptExisting) => {
    const plan = planTree(tree({
      props: props([a], { AdoptExisting: adoptExisting }),
      stored: new Map([[name('a'), plainStored]]),
      foreignOwners: new Map([[name('a'), 'OtherStack@/shop/prod']]),
    }));
    expect(plan.refused).toEqual([{ name: name('a'), reason: 'other-owner', owner: 'OtherStack@/shop/prod' }]);
    expect(plan.parameters).toEqual([]);
    const message = refusalMessage(plan.refused, OWNER);
    expect(message).toContain(`'${name('a')}'`);
    expect(message).toContain(`${OWNER_TAG}=OtherStack@/shop/prod`);
  });

  test.each<[string, Partial<TreePlanInput>]>([
    ['owned', { owned: new Set([name('a')]) }],
    ['held under the legacy owner', { legacyOwned: new Set([name('a')]) }],
    ['untagged, adoptExisting', { props: props([a], { AdoptExisting: 'true' }), foreignOwners: new Map([[name('a'), undefined]]) }],
  ])('a SecureString the tree now declares plain is refused (%s), saying how to do it on purpose', (_, overrides) => {
    const plan = planTree(tree({ props: props([a]), stored: new Map([[name('a'), secretStored]]), ...overrides }));
    expect(plan.refused).toEqual([{ name: name('a'), reason: 'secret-to-plain', kind: ParameterKind.STRING }]);
    expect(plan.parameters).toEqual([]);
    expect(refusalMessage(plan.refused, OWNER)).toMatch(/would be lost.*rename the parameter, or remove it in one deployment and add it back in the next/);
  });

  test.each<[string, Partial<TreePlanInput>, string[] | 'refused']>([
    ['owned: deleted and created', { owned: new Set([name('a')]) }, ['replace(generate)+label']],
    ['owned and adopted: refused, never deleted', { owned: new Set([name('a')]), adopted: new Set([name('a')]) }, 'refused'],
    ['untagged, adoptExisting: refused, never deleted', { props: props([{ ...SPECS.Generated, Name: 'a' }], { AdoptExisting: 'true' }), foreignOwners: new Map([[name('a'), undefined]]) }, 'refused'],
  ])('a String turned generated secret, %s', (_, overrides, expected) => {
    const plan = planTree(tree({ props: props([{ ...SPECS.Generated, Name: 'a' }]), stored: new Map([[name('a'), plainStored]]), ...overrides }));
    if (expected === 'refused') {
      expect(plan.refused).toEqual([{ name: name('a'), reason: 'adopted-type-change', from: 'String', to: 'SecureString' }]);
    } else {
      expect(summary([...plan.parameters[0].actions])).toEqual(expected);
    }
  });

  test('plans one entry per desired parameter, by full name, reading its own stored state and value', () => {
    const plan = planTree(tree({
      stored: new Map([[name('a'), plainStored]]),
      owned: new Set([name('a')]),
      values: new Map([[name('a'), 'x']]),
    }));
    expect(plan.parameters.map((p) => [p.name, summary([...p.actions])])).toEqual([
      [name('a'), ['keep']],
      [name('b'), ['create(spec)']],
    ]);
  });

  test('each parameter carries the previously deployed spec label, which the version limit never removes', () => {
    const previous = { ...SPECS.Generated, Name: 'a' };
    const plan = planTree(tree({ props: props([changedSpec(previous)]), oldProps: props([previous]) }));
    expect(plan.parameters[0].previousLabel).toBe(specLabelOf(previous, KEY));
  });

  const deployedAs = (generation: string) => ({ deployed: { path: PATH, generation } });
  const deployed = deployedAs(GENERATION);
  const remove = (candidates: string[], release = false): Leftovers => ({ action: 'remove', candidates, release });
  test.each<[string, Partial<TreePlanInput>, Leftovers | undefined]>([
    ['deleted now when the deployed generation is this one (nothing a rollback goes back to wants it)',
      deployed, remove([name('gone')])],
    ['the same under retain: removal from a living tree is not the whole tree\'s removal',
      { ...deployed, props: props([a, b], { RemovalPolicy: 'retain' }) }, remove([name('gone')])],
    ['released rather than deleted when the tree retains removed parameters',
      { ...deployed, props: props([a, b], { RetainRemovedParameters: 'true' }) }, remove([name('gone')], true)],
    ['a parameter held under the legacy owner too',
      { ...deployed, legacyOwned: new Set([name('old')]) }, remove([name('gone'), name('old')])],
    ['marked removed-in this generation when another one is deployed (a rollback may still want it)',
      deployedAs('feedfacefeedface'), { action: 'mark', candidates: [name('gone')], generation: GENERATION }],
    ['marked so whatever the removal settings',
      { ...deployedAs('feedfacefeedface'), props: props([a, b], { RetainRemovedParameters: 'true' }) },
      { action: 'mark', candidates: [name('gone')], generation: GENERATION }],
    ['nothing on a Create (no deployed generation)', {}, undefined],
    ['nothing after a move to another path', { deployed: { path: '/shop/old', generation: GENERATION } }, undefined],
  ])('leftovers: %s', (_, overrides, expected) => {
    const owned = new Set([name('a'), name('gone')]);
    const stored = new Map([[name('a'), plainStored], [name('gone'), plainStored]]);
    expect(planTree(tree({ owned, stored, ...overrides })).leftovers).toEqual(expected);
  });

  test('an unchanged parameter is kept without a read or a write, also when the set of names changed', () => {
    const plan = planTree(tree({ ...deployedAs('feedfacefeedface'), unchanged: new Set([name('a'), name('b')]) }));
    expect(plan.parameters.map((p) => summary([...p.actions]))).toEqual([['keep'], ['keep']]);
  });
});
