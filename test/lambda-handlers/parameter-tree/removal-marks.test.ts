/**
 * Names removed from a living tree, against moto_server: an Update whose set of names changed
 * marks what it no longer wants (REMOVED_IN_TAG = its generation) instead of moving the
 * generation tag of every kept parameter, and CloudFormation's cleanup Delete removes what the
 * live generation marked. Each path of an update (success, rollback after success, failure
 * midway, back and forth, a late duplicate Delete, a move, parameters of an earlier version) is
 * followed to its cleanup, every event delivered twice. CloudFormation's answers come from the
 * stand-in (see StackStandIn).
 */
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import {
  context,
  createEvent,
  deleteEvent,
  lifecycleSuite,
  motoClients,
  ParameterState,
  parameterStoreState,
  STACK_NAME,
  treeProperties,
  uniquePath,
  updateEvent,
} from './harness';
import { TreeEvent } from '../../../lambda-handlers/parameter-tree/reconciler';
import { createTreeHandler, TreeHandler } from '../../../lambda-handlers/parameter-tree/tree-handler';
import { CustomResourceResponse } from '../../../lambda-handlers/shared/cfn-response';
import {
  GENERATION_TAG, OWNER_TAG, ownerOf, ParameterKind, ParameterSpec, REMOVED_IN_TAG, TreeResourceProperties,
} from '../../../src/parameter-tree/private/contract';
import { describeWithServices } from '../../support/services';

type State = Record<string, ParameterState>;

interface SentCommand {
  readonly name: string;
  readonly input: any;
}

describeWithServices(['moto'], 'removal marks (moto_server)', () => {
  const { ssm, kms } = motoClients();
  const suite = lifecycleSuite(kms, 'removal marks test key', 'UPDATE_IN_PROGRESS');
  const { collector, stacks } = suite;
  /** Every command the handlers of this suite sent. */
  const sent: SentCommand[] = [];

  /** A handler on moto that records every command, and fails the PutParameter of `failOn` (one parameter at a time). */
  function handler(failOn?: string): TreeHandler {
    const real = new SSMClient({});
    const wrapped = new SSMClient({});
    (wrapped as any).send = (command: { constructor: { name: string }; input: any }, options?: unknown) => {
      const entry = { name: command.constructor.name.replace(/Command$/, ''), input: command.input };
      sent.push(entry);
      if (entry.name === 'PutParameter' && entry.input.Name === failOn) {
        return Promise.reject(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
      }
      return real.send(command as any, options as any);
    };
    return createTreeHandler({ ssm: wrapped, kms, stacks: stacks.source, sleep: async () => {}, concurrency: failOn ? 1 : 4 });
  }

  const string = (name: string, value = `${name}-value`): ParameterSpec =>
    ({ Name: name, Kind: ParameterKind.STRING, Tier: 'Standard', Description: '', Value: value });
  const generated = (name: string): ParameterSpec => ({
    Name: name,
    Kind: ParameterKind.GENERATED,
    Tier: 'Standard',
    Description: '',
    Generator: { Length: '20', ExcludeCharacters: '', ExcludePunctuation: 'true', Generation: '' },
  });

  const tree = (path: string, parameters: ParameterSpec[], overrides: Partial<TreeResourceProperties> = {}): TreeResourceProperties =>
    treeProperties(path, suite.keyArn, parameters, overrides);

  const stateUnder = (path: string): Promise<State> => parameterStoreState(ssm, path);

  /** Delivers the event twice: both answers alike, the second changes nothing. */
  async function twice(event: TreeEvent, path: string, using: TreeHandler = handler()): Promise<{ response: CustomResourceResponse; state: State }> {
    await using(event, context);
    const first = collector.last();
    const state = await stateUnder(path);
    await using(event, context);
    expect({ ...collector.last(), RequestId: first.RequestId }).toEqual(first);
    expect(await stateUnder(path)).toEqual(state);
    return { response: first, state };
  }

  async function succeeded(event: TreeEvent, path: string): Promise<{ id: string; state: State }> {
    const { response, state } = await twice(event, path);
    expect(response).toMatchObject({ Status: 'SUCCESS' });
    return { id: response.PhysicalResourceId, state };
  }

  const create = (props: TreeResourceProperties) => succeeded(createEvent(collector.responseUrl, props), props.Path);
  const update = (id: string, props: TreeResourceProperties, oldProps: TreeResourceProperties) =>
    succeeded(updateEvent(collector.responseUrl, id, props, oldProps), props.Path);
  /** CloudFormation's Delete of `id` (with the properties it was deployed with), as the stand-in's status has it. */
  const remove = (id: string, props: TreeResourceProperties, path = props.Path) => succeeded(deleteEvent(collector.responseUrl, id, props), path);

  const generationOf = (physicalId: string) => /@([0-9a-f]{16})/.exec(physicalId)![1];
  const names = (path: string, state: State) => Object.keys(state).map((name) => name.slice(path.length + 1)).sort();
  const withoutTags = (p: ParameterState) => ({ ...p, tags: {} });
  /** Relative name -> the generation it is marked removed in, for the marked ones. */
  const marksOf = (path: string, state: State) => Object.fromEntries(Object.entries(state)
    .filter(([, p]) => p.tags[REMOVED_IN_TAG])
    .map(([name, p]) => [name.slice(path.length + 1), p.tags[REMOVED_IN_TAG]]));

  /** A: 'kept' (generated), 'a-only' (generated), 'shared'; B: 'kept', 'b-only' (generated), 'shared' changed. */
  function aAndB(label: string, overrides: Partial<TreeResourceProperties> = {}) {
    const path = uniquePath(label);
    const a = tree(path, [generated('kept'), generated('a-only'), string('shared')], overrides);
    const b = tree(path, [generated('kept'), generated('b-only'), string('shared', 'changed')], overrides);
    return { path, a, b };
  }

  test('A to B, then the cleanup: B marks what it removed and writes nothing else; the cleanup deletes what B marked', async () => {
    // GIVEN
    const { path, a, b } = aAndB('success');
    const created = await create(a);

    // WHEN
    const updated = await update(created.id, b, a);

    // THEN the removed name is marked with B's generation; the kept ones keep their tags (A's generation)
    expect(marksOf(path, updated.state)).toEqual({ 'a-only': generationOf(updated.id) });
    expect(updated.state[`${path}/kept`]).toEqual(created.state[`${path}/kept`]);
    expect(updated.state[`${path}/b-only`].tags[GENERATION_TAG]).toBe(generationOf(updated.id));

    // WHEN CloudFormation cleans up A
    stacks.cleanupAfterUpdate(updated.id);
    const cleaned = await remove(created.id, a);

    // THEN
    const { [`${path}/a-only`]: _removed, ...rest } = updated.state;
    expect(cleaned.state).toEqual(rest);
  });

  test('A to B with retainRemovedParameters, then the cleanup: what B marked is released, mark included', async () => {
    const { path, a, b } = aAndB('success-retain', { RetainRemovedParameters: 'true' });
    const created = await create(a);
    const updated = await update(created.id, b, a);

    stacks.cleanupAfterUpdate(updated.id);
    const cleaned = await remove(created.id, a);

    expect(names(path, cleaned.state)).toEqual(['a-only', 'b-only', 'kept', 'shared']);
    expect(cleaned.state[`${path}/a-only`]).toEqual({ ...updated.state[`${path}/a-only`], tags: { team: 'shop' } });
  });

  test('A to B, then rolled back: the rollback marks what B made, the cleanup of B deletes it; A is whole, secrets unchanged', async () => {
    // GIVEN A updated to B, which succeeded
    const { path, a, b } = aAndB('rollback');
    const created = await create(a);
    const updated = await update(created.id, b, a);

    // WHEN another resource fails: CloudFormation updates the tree back to A, then cleans B up
    stacks.inState('UPDATE_ROLLBACK_IN_PROGRESS', updated.id);
    const rolledBack = await update(updated.id, a, b);
    expect(rolledBack.id).toBe(created.id);
    expect(marksOf(path, rolledBack.state)).toEqual({ 'a-only': generationOf(updated.id), 'b-only': generationOf(created.id) });
    stacks.cleanupAfterRollback(created.id);
    const cleaned = await remove(updated.id, b);

    // THEN A's parameters hold their values (the generated ones unchanged), and B's own is gone
    expect(names(path, cleaned.state)).toEqual(['a-only', 'kept', 'shared']);
    for (const name of ['kept', 'a-only']) expect(withoutTags(cleaned.state[`${path}/${name}`])).toEqual(withoutTags(created.state[`${path}/${name}`]));
    expect(cleaned.state[`${path}/shared`].value).toBe('shared-value');
  });

  test('A to B failing midway, then the rollback to A: what B created is deleted at once, nothing is marked', async () => {
    // GIVEN A, and an Update to B that fails on its last parameter (CloudFormation keeps A's id)
    const path = uniquePath('failed');
    const a = tree(path, [string('a'), string('gone'), string('z/last', 'one')]);
    const b = tree(path, [string('a'), string('b/new'), string('z/last', 'two')]);
    const created = await create(a);
    const failed = await twice(updateEvent(collector.responseUrl, created.id, b, a), path, handler(`${path}/z/last`));
    expect(failed.response).toMatchObject({ Status: 'FAILED', PhysicalResourceId: created.id });
    expect(names(path, failed.state)).toEqual(['a', 'b/new', 'gone', 'z/last']);

    // WHEN CloudFormation rolls back to A (the id it kept)
    stacks.inState('UPDATE_ROLLBACK_IN_PROGRESS', created.id);
    const rolledBack = await update(created.id, a, b);

    // THEN A is as created; no Delete will follow, and none is needed
    expect(rolledBack.state).toEqual(created.state);
  });

  test('A to B to A, each with its cleanup: each cleanup deletes what the live generation marked', async () => {
    const { path, a, b } = aAndB('back-and-forth');
    const created = await create(a);
    const toB = await update(created.id, b, a);
    stacks.cleanupAfterUpdate(toB.id);
    await remove(created.id, a);

    stacks.inState('UPDATE_IN_PROGRESS', toB.id);
    const toA = await update(toB.id, a, b);
    expect(toA.id).toBe(created.id);
    stacks.cleanupAfterUpdate(toA.id);
    const cleaned = await remove(toB.id, b);

    expect(names(path, cleaned.state)).toEqual(['a-only', 'kept', 'shared']);
    expect(cleaned.state[`${path}/kept`]).toEqual(created.state[`${path}/kept`]);
    // 'a-only' was deleted with A's cleanup and is new: a new secret, no mark
    expect(cleaned.state[`${path}/a-only`].tags).toEqual({ team: 'shop', [OWNER_TAG]: a.Owner, [GENERATION_TAG]: generationOf(created.id) });
  });

  test('a mark left by a rolled-back update harms nothing: kept while wanted, deleted once its generation is live', async () => {
    // GIVEN A to B rolled back and cleaned up: 'a-only' is A's again but still marked removed in B
    const { path, a, b } = aAndB('stale-mark');
    const created = await create(a);
    const toB = await update(created.id, b, a);
    stacks.inState('UPDATE_ROLLBACK_IN_PROGRESS', toB.id);
    await update(toB.id, a, b);
    stacks.cleanupAfterRollback(created.id);
    const afterRollback = await remove(toB.id, b);
    expect(marksOf(path, afterRollback.state)).toEqual({ 'a-only': generationOf(toB.id) });

    // WHEN a later update to C (A and one more name) succeeds and A is cleaned up
    const c = tree(path, [...a.Parameters, string('c-only')]);
    stacks.inState('UPDATE_IN_PROGRESS', created.id);
    const toC = await update(created.id, c, a);
    stacks.cleanupAfterUpdate(toC.id);
    const afterC = await remove(created.id, a);

    // THEN the marked parameter, which C wants, is still there with its value
    expect(withoutTags(afterC.state[`${path}/a-only`])).toEqual(withoutTags(created.state[`${path}/a-only`]));

    // WHEN B is deployed again and C cleaned up
    stacks.inState('UPDATE_IN_PROGRESS', toC.id);
    const toBAgain = await update(toC.id, b, c);
    expect(toBAgain.id).toBe(toB.id);
    stacks.cleanupAfterUpdate(toBAgain.id);
    const afterB = await remove(toC.id, c);

    // THEN what B does not want is gone
    expect(names(path, afterB.state)).toEqual(['b-only', 'kept', 'shared']);
  });

  test('a cleanup Delete delivered late, during the next update, removes nothing: that update\'s rollback still finds its values', async () => {
    // GIVEN A updated to B and cleaned up, then B being updated to C (B's 'b-only' marked removed in C)
    const { path, a, b } = aAndB('late-duplicate');
    const c = tree(path, [generated('kept'), string('c-only'), string('shared', 'changed')]);
    const created = await create(a);
    const toB = await update(created.id, b, a);
    stacks.cleanupAfterUpdate(toB.id);
    await remove(created.id, a);
    stacks.inState('UPDATE_IN_PROGRESS', toB.id);
    const toC = await update(toB.id, c, b);
    expect(marksOf(path, toC.state)).toEqual({ 'b-only': generationOf(toC.id) });

    // WHEN the first cleanup's Delete of A arrives once more, while the stack is still updating (C's id is live)
    stacks.inState('UPDATE_IN_PROGRESS', toC.id);
    const late = await remove(created.id, a);

    // THEN nothing was removed
    expect(late.state).toEqual(toC.state);

    // WHEN the update then rolls back to B, and CloudFormation cleans C up
    stacks.inState('UPDATE_ROLLBACK_IN_PROGRESS', toC.id);
    await update(toC.id, b, c);
    stacks.cleanupAfterRollback(toB.id);
    const cleaned = await remove(toC.id, c);

    // THEN B is whole, its secret unchanged
    expect(names(path, cleaned.state)).toEqual(['b-only', 'kept', 'shared']);
    expect(withoutTags(cleaned.state[`${path}/b-only`])).toEqual(withoutTags(toB.state[`${path}/b-only`]));
  });

  test('under destroy, a cleanup Delete delivered late, after the same generation was deployed again, removes nothing', async () => {
    // GIVEN A updated to B and cleaned up, then B updated back to A (A's physical id live again)
    const { path, a, b } = aAndB('late-duplicate-same-id', { RemovalPolicy: 'destroy' });
    const created = await create(a);
    const toB = await update(created.id, b, a);
    stacks.cleanupAfterUpdate(toB.id);
    await remove(created.id, a);
    stacks.inState('UPDATE_IN_PROGRESS', toB.id);
    const backToA = await update(toB.id, a, b);
    expect(backToA.id).toBe(created.id);
    stacks.cleanupAfterUpdate(backToA.id).withResourceStatus('UPDATE_COMPLETE');
    const cleaned = await remove(toB.id, b);

    // WHEN the first cleanup's Delete of A arrives once more, A's id live and not being deleted
    stacks.inState('UPDATE_COMPLETE', created.id).withResourceStatus('UPDATE_COMPLETE');
    const late = await remove(created.id, a);

    // THEN the tree is whole: a Delete of the live id removes the tree only while CloudFormation deletes that resource
    expect(late.state).toEqual(cleaned.state);
    expect(names(path, late.state)).toEqual(['a-only', 'kept', 'shared']);

    // WHEN the stack is then deleted (the resource DELETE_IN_PROGRESS)
    stacks.deleting(created.id).withResourceStatus('DELETE_IN_PROGRESS');
    const deleted = await remove(created.id, a);

    // THEN destroy removes the tree
    expect(names(path, deleted.state)).toEqual([]);
  });

  test('a tree moved to another path and rolled back: the cleanup deletes what it owns under the path it was moved to', async () => {
    // GIVEN a tree at /app moved to /app-next (an update that succeeded), then rolled back
    const app = uniquePath('move');
    const next = `${app}-next`;
    const atApp = tree(app, [generated('kept'), string('s')]);
    const atNext = tree(next, [generated('kept'), string('s')]);
    const created = await create(atApp);
    const moved = await update(created.id, atNext, atApp);
    stacks.inState('UPDATE_ROLLBACK_IN_PROGRESS', moved.id);
    await update(moved.id, atApp, atNext);

    // WHEN CloudFormation cleans up the id at /app-next
    stacks.cleanupAfterRollback(created.id);
    const cleaned = await remove(moved.id, atNext, next);

    // THEN /app-next is empty, /app as created
    expect(cleaned.state).toEqual({});
    expect(await stateUnder(app)).toEqual(created.state);
  });

  test('a tree moved away while another tree of the stack took its old path over: the cleanup leaves that path alone', async () => {
    // GIVEN a tree at /app moved to /app-next, and another resource of the stack now holding /app (the same owner)
    const app = uniquePath('move-taken-over');
    const atApp = tree(app, [string('a'), string('b')]);
    const created = await create(atApp);
    const moved = await update(created.id, tree(`${app}-next`, [string('a'), string('b')]), atApp);
    const before = await stateUnder(app);

    // WHEN CloudFormation cleans up the id at /app
    stacks.cleanupAfterUpdate(moved.id).withTree('SuccessorTree1A2B3C4D', created.id);
    const cleaned = await remove(created.id, atApp);

    // THEN
    expect(cleaned.state).toEqual(before);
    expect(Object.keys(cleaned.state)).toHaveLength(2);
  });

  test('parameters of an earlier version (the generation tag only, moved to every generation) are upgraded: A to B, then the cleanup', async () => {
    // GIVEN a tree as an earlier version left it at A: every parameter tagged with A's generation,
    // some created under older generations, and one left behind by an older cleanup that failed
    const path = uniquePath('upgrade');
    const a = tree(path, [string('kept'), string('a-only')]);
    const b = tree(path, [string('kept'), string('b-only')]);
    const generationA = generationOf((await create(tree(path, a.Parameters))).id);
    const ownedByEarlierVersion = (name: string, generation: string) => ssm.send(new PutParameterCommand({
      Name: `${path}/${name}`,
      Value: `${name}-value`,
      Type: 'String',
      Overwrite: false,
      Tags: [{ Key: OWNER_TAG, Value: a.Owner! }, { Key: GENERATION_TAG, Value: generation }, { Key: 'team', Value: 'shop' }],
    }));
    await ownedByEarlierVersion('straggler', '00000000000000aa');
    const before = await stateUnder(path);
    expect(Object.fromEntries(Object.entries(before).map(([name, p]) => [name.slice(path.length + 1), p.tags[GENERATION_TAG]])))
      .toEqual({ 'kept': generationA, 'a-only': generationA, 'straggler': '00000000000000aa' });

    // WHEN the new version updates A to B, then CloudFormation cleans A up
    const created = `${path}@${generationA}`;
    const toB = await update(created, b, a);
    stacks.cleanupAfterUpdate(toB.id);
    const cleaned = await remove(created, a);

    // THEN A's removed name is gone; the straggler, which no event read, is left to the next read of the whole path
    expect(names(path, cleaned.state)).toEqual(['b-only', 'kept', 'straggler']);
    expect(cleaned.state[`${path}/kept`]).toEqual(before[`${path}/kept`]);
  });

  test('if the update that upgraded rolls back, what earlier versions\' cleanup deletes (the failed generation\'s tag) is what it created', async () => {
    // GIVEN a tree at A, updated to B by this version, then rolled back by it
    const { path, a, b } = aAndB('upgrade-rollback');
    const created = await create(a);
    const toB = await update(created.id, b, a);
    stacks.inState('UPDATE_ROLLBACK_IN_PROGRESS', toB.id);
    const back = await update(toB.id, a, b);

    // THEN the parameters tagged with B's generation, which an earlier version's cleanup Delete of B
    // deletes, are exactly the one B created
    const taggedB = Object.entries(back.state).filter(([, p]) => p.tags[GENERATION_TAG] === generationOf(toB.id)).map(([name]) => name);
    expect(taggedB).toEqual([`${path}/b-only`]);
  });

  test('every mark went with the owner tag (the policy requires aws:RequestTag), one call per removed name', () => {
    const marks = sent.filter((c) => c.name === 'AddTagsToResource' && c.input.Tags.some((t: { Key: string }) => t.Key === REMOVED_IN_TAG));
    expect(marks.length).toBeGreaterThan(5);
    for (const { input } of marks) {
      const treePath = input.ResourceId.split('/').slice(0, 3).join('/');
      expect(input.Tags).toEqual(expect.arrayContaining([{ Key: OWNER_TAG, Value: ownerOf(STACK_NAME, treePath) }]));
      expect(input.Tags).toHaveLength(2);
    }
  });
});
