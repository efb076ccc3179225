/**
 * What each Delete removes, against moto_server: the cleanup after a successful update, the
 * cleanup after a rolled-back update, a flag-only change, and the whole tree (stack deletion, the
 * tree removed from the template, the rollback of its Create). Every Delete is delivered twice.
 * CloudFormation's answers (stack status, live physical id) come from a stand-in: moto cannot
 * hold a stack in the cleanup states (see StackStandIn).
 */
import { AddTagsToResourceCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import {
  context,
  createEvent,
  deleteEvent,
  lifecycleSuite,
  LOGICAL_ID,
  motoClients,
  ParameterState,
  parameterStoreState,
  STACK_NAME,
  treeProperties,
  uniquePath,
  updateEvent,
} from './harness';
import { TreeEvent } from '../../../lambda-handlers/parameter-tree/reconciler';
import { StackView } from '../../../lambda-handlers/parameter-tree/stack-view';
import { createTreeHandler, TreeHandler } from '../../../lambda-handlers/parameter-tree/tree-handler';
import { CustomResourceResponse } from '../../../lambda-handlers/shared/cfn-response';
import {
  ADOPTED_TAG, GENERATION_TAG, OWNER_TAG, ownerOf, ParameterKind, ParameterSpec, TreeResourceProperties,
} from '../../../src/parameter-tree/private/contract';
import { describeWithServices } from '../../support/services';

type State = Record<string, ParameterState>;

/** The logical id of a tree's construct after a rename. */
const RENAMED_ID = 'RenamedTree5E6F7A8B';

describeWithServices(['moto'], 'parameter tree removal (moto_server)', () => {
  const { ssm, kms } = motoClients();
  const suite = lifecycleSuite(kms, 'removal test key');
  const { collector, stacks } = suite;
  const handler = createTreeHandler({ ssm, kms, stacks: stacks.source, sleep: async () => {}, concurrency: 4 });

  const string = (name: string, value = `${name}-value`): ParameterSpec => ({ Name: name, Kind: ParameterKind.STRING, Tier: 'Standard', Description: '', Value: value });

  const tree = (path: string, names: string[], overrides: Partial<TreeResourceProperties> = {}): TreeResourceProperties =>
    treeProperties(path, suite.keyArn, names.map((name) => string(name)), overrides);

  async function deliver(event: TreeEvent, using: TreeHandler = handler): Promise<CustomResourceResponse> {
    await using(event, context);
    const response = collector.last();
    expect(response).toMatchObject({ Status: 'SUCCESS' });
    return response;
  }

  /** Delivers a Delete twice: both succeed alike, and the second changes nothing under `path`. */
  async function deleteTwice(physicalId: string, props: TreeResourceProperties, path: string, logicalId = LOGICAL_ID): Promise<State> {
    const event = () => ({ ...deleteEvent(collector.responseUrl, physicalId, props), LogicalResourceId: logicalId });
    const first = await deliver(event());
    const afterFirst = await stateUnder(path);
    const second = await deliver(event());
    expect(first.PhysicalResourceId).toBe(physicalId);
    expect({ ...second, RequestId: first.RequestId }).toEqual(first);
    expect(await stateUnder(path)).toEqual(afterFirst);
    return afterFirst;
  }

  const stateUnder = (path: string): Promise<State> => parameterStoreState(ssm, path);

  const tagsOf = (state: State) => Object.fromEntries(Object.entries(state).map(([name, p]) => [name, p.tags]));
  const generationOfId = (physicalId: string) => /@([0-9a-f]{16})/.exec(physicalId)![1];
  const treeTags = (props: TreeResourceProperties, physicalId: string) =>
    ({ [OWNER_TAG]: props.Owner!, [GENERATION_TAG]: generationOfId(physicalId), team: 'shop' });

  /** A parameter someone wrote before the tree existed, with a tag of their own. */
  async function preExisting(name: string): Promise<void> {
    await ssm.send(new PutParameterCommand({ Name: name, Value: 'set by hand', Type: 'String', Tags: [{ Key: 'origin', Value: 'manual' }] }));
  }

  /**
   * Marks `name` adopted, as adoptExisting's claim leaves it (the Create/Update side writes this
   * tag); set here so that these tests check what the Delete does with it.
   */
  async function markAdopted(name: string): Promise<void> {
    await ssm.send(new AddTagsToResourceCommand({ ResourceType: 'Parameter', ResourceId: name, Tags: [{ Key: ADOPTED_TAG, Value: 'true' }] }));
  }

  describe('a tree removed whole', () => {
    test('the rollback of a Create under destroy deletes what it created and releases what it adopted', async () => {
      // GIVEN a parameter that existed before, adopted by a Create under destroy (which then failed on another resource)
      const path = uniquePath('adopt-rollback');
      await preExisting(`${path}/db/host`);
      const props = tree(path, ['db/host', 'api/url'], { RemovalPolicy: 'destroy', AdoptExisting: 'true' });
      const created = await deliver(createEvent(collector.responseUrl, props));
      await markAdopted(`${path}/db/host`);
      const adoptedBefore = (await stateUnder(path))[`${path}/db/host`];

      // WHEN CloudFormation rolls the Create back
      stacks.inState('ROLLBACK_IN_PROGRESS', created.PhysicalResourceId);
      const state = await deleteTwice(created.PhysicalResourceId, props, path);

      // THEN the adopted parameter stays with its value and history, untagged but for its own tag; the created one is gone
      expect(state).toEqual({ [`${path}/db/host`]: { ...adoptedBefore, tags: { origin: 'manual', team: 'shop' } } });
    });

    test('stack deletion under destroy deletes owned parameters, of every generation, and releases adopted ones', async () => {
      // GIVEN a tree under destroy with an adopted parameter, a parameter of an older generation
      // whose cleanup never ran, a foreign parameter, and another tree's parameter under the path
      const path = uniquePath('destroy');
      await preExisting(`${path}/legacy`);
      await preExisting(`${path}/foreign`);
      const props = tree(path, ['a', 'legacy'], { RemovalPolicy: 'destroy', AdoptExisting: 'true' });
      const created = await deliver(createEvent(collector.responseUrl, props));
      await markAdopted(`${path}/legacy`);
      const lingering = `${path}/old/lingering`;
      await ssm.send(new PutParameterCommand({
        Name: lingering, Value: 'v', Type: 'String', Tags: [{ Key: OWNER_TAG, Value: props.Owner! }, { Key: GENERATION_TAG, Value: '0123456789abcdef' }],
      }));
      const child = `${path}/child/x`;
      await ssm.send(new PutParameterCommand({ Name: child, Value: 'v', Type: 'String', Tags: [{ Key: OWNER_TAG, Value: ownerOf(STACK_NAME, `${path}/child`) }] }));
      const before = await stateUnder(path);

      // WHEN the stack is deleted
      stacks.deleting(created.PhysicalResourceId);
      const state = await deleteTwice(created.PhysicalResourceId, props, path);

      // THEN
      expect(state).toEqual({
        [`${path}/legacy`]: { ...before[`${path}/legacy`], tags: { origin: 'manual', team: 'shop' } },
        [`${path}/foreign`]: before[`${path}/foreign`],
        [child]: before[child],
      });
    });

    test('a tree removed from the template under destroy is deleted whole', async () => {
      // GIVEN
      const path = uniquePath('removed-tree');
      const props = tree(path, ['a', 'b'], { RemovalPolicy: 'destroy' });
      const created = await deliver(createEvent(collector.responseUrl, props));

      // WHEN the update's cleanup deletes the resource the template no longer has
      stacks.inState('UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', undefined);
      const state = await deleteTwice(created.PhysicalResourceId, props, path);

      // THEN
      expect(state).toEqual({});
    });

    /** A tree under destroy whose construct was renamed: the resource of the new logical id took the parameters over. */
    async function renamedTree(label: string) {
      const path = uniquePath(label);
      const props = tree(path, ['a', 'b'], { RemovalPolicy: 'destroy' });
      const created = await deliver(createEvent(collector.responseUrl, props));
      const renamed = await deliver({ ...createEvent(collector.responseUrl, props), LogicalResourceId: RENAMED_ID });
      return { path, props, oldId: created.PhysicalResourceId, newId: renamed.PhysicalResourceId, before: await stateUnder(path) };
    }

    test('a renamed tree (same tree id and path) keeps its parameters when the old logical id is cleaned up', async () => {
      // GIVEN
      const { path, props, oldId, newId, before } = await renamedTree('renamed');

      // WHEN the update's cleanup deletes the old logical id
      stacks.inState('UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', oldId).withTree(RENAMED_ID, newId);
      const state = await deleteTwice(oldId, props, path);

      // THEN
      expect(state).toEqual(before);
      expect(Object.keys(state)).toHaveLength(2);
    });

    test('a renamed tree whose update rolled back keeps its parameters when the new logical id is cleaned up', async () => {
      // GIVEN
      const { path, props, oldId, newId, before } = await renamedTree('renamed-rollback');

      // WHEN the rollback's cleanup deletes the new logical id; the old one is live again
      stacks.inState('UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS', undefined).withTree(LOGICAL_ID, oldId);
      const state = await deleteTwice(newId, props, path, RENAMED_ID);

      // THEN
      expect(state).toEqual(before);
    });

    test.each([
      ['stack deletion', 'DELETE_IN_PROGRESS', true],
      ['the tree removed from the template', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', false],
      ['a stack that no longer exists', undefined, false],
    ])('under retain, %s keeps every parameter with its tags', async (_case, status, liveIsThis) => {
      // GIVEN
      const path = uniquePath('retain');
      const props = tree(path, ['a', 'b']);
      const created = await deliver(createEvent(collector.responseUrl, props));
      const before = await stateUnder(path);

      // WHEN
      stacks.inState(status, liveIsThis ? created.PhysicalResourceId : undefined);
      const state = await deleteTwice(created.PhysicalResourceId, props, path);

      // THEN
      expect(state).toEqual(before);
      expect(Object.keys(state)).toHaveLength(2);
    });
  });

  describe('parameters removed from a living tree', () => {
    /**
     * Creates `before`, updates it to `after` successfully (`beforeUpdate` runs in between), then
     * delivers CloudFormation's cleanup Delete of the old id, with the old properties, twice.
     */
    async function updateThenCleanUp(before: TreeResourceProperties, after: TreeResourceProperties, beforeUpdate?: () => Promise<void>) {
      const created = (await deliver(createEvent(collector.responseUrl, before))).PhysicalResourceId;
      await beforeUpdate?.();
      const updated = (await deliver(updateEvent(collector.responseUrl, created, after, before))).PhysicalResourceId;
      const stateBefore = await stateUnder(before.Path);
      stacks.cleanupAfterUpdate(updated);
      const state = await deleteTwice(created, before, before.Path);
      return { created, updated, stateBefore, state };
    }

    test('are deleted in the cleanup after the update, under the default retain policy', async () => {
      // GIVEN a tree under retain, updated without 'b'
      const path = uniquePath('removed');

      // WHEN
      const { stateBefore, state } = await updateThenCleanUp(tree(path, ['a', 'b']), tree(path, ['a']));

      // THEN
      expect(state).toEqual({ [`${path}/a`]: stateBefore[`${path}/a`] });
    });

    test('are released, not deleted, when the deployment that removes them turns retainRemovedParameters on', async () => {
      // GIVEN a tree under destroy, updated without 'b' and with retainRemovedParameters in the same deployment
      const path = uniquePath('flip-on');
      const before = tree(path, ['a', 'b'], { RemovalPolicy: 'destroy' });
      const after = tree(path, ['a'], { RemovalPolicy: 'destroy', RetainRemovedParameters: 'true' });

      // WHEN the cleanup runs with the old properties, which knew nothing of the setting
      const { updated, stateBefore, state } = await updateThenCleanUp(before, after);

      // THEN the new physical id carried the setting, and 'b' is kept, no longer the tree's
      expect(updated).toBe(`${path}@${generationOfId(updated)}+retain-removed`);
      expect(state).toEqual({
        [`${path}/a`]: stateBefore[`${path}/a`],
        [`${path}/b`]: { ...stateBefore[`${path}/b`], tags: { team: 'shop' } },
      });
    });

    test('are deleted when the deployment that removes them turns retainRemovedParameters off', async () => {
      // GIVEN a tree under retain that retained removed parameters, updated without 'b' and without the setting
      const path = uniquePath('flip-off');

      // WHEN
      const { created, stateBefore, state } = await updateThenCleanUp(tree(path, ['a', 'b'], { RetainRemovedParameters: 'true' }), tree(path, ['a']));

      // THEN
      expect(created.endsWith('+retain-removed')).toBe(true);
      expect(state).toEqual({ [`${path}/a`]: stateBefore[`${path}/a`] });
    });

    test('an adopted parameter removed from the tree is released, never deleted', async () => {
      // GIVEN an adopted parameter, removed by an update
      const path = uniquePath('removed-adopted');
      await preExisting(`${path}/b`);
      const before = tree(path, ['a', 'b'], { RemovalPolicy: 'destroy', AdoptExisting: 'true' });
      const after = tree(path, ['a'], { RemovalPolicy: 'destroy', AdoptExisting: 'true' });

      // WHEN
      const { stateBefore, state } = await updateThenCleanUp(before, after, () => markAdopted(`${path}/b`));

      // THEN
      expect(tagsOf(state)).toEqual({ [`${path}/a`]: stateBefore[`${path}/a`].tags, [`${path}/b`]: { origin: 'manual', team: 'shop' } });
      expect(state[`${path}/b`].value).toBe(stateBefore[`${path}/b`].value);
    });

    test('a change of retainRemovedParameters alone (same names) makes a new id whose cleanup removes nothing', async () => {
      // GIVEN a tree under destroy whose only change is the setting
      const path = uniquePath('flag-only');
      const before = tree(path, ['a', 'b'], { RemovalPolicy: 'destroy' });

      // WHEN
      const { created, updated, stateBefore, state } = await updateThenCleanUp(before, { ...before, RetainRemovedParameters: 'true' });

      // THEN
      expect(updated).toBe(`${created}+retain-removed`);
      expect(state).toEqual(stateBefore);
    });

    test('the cleanup of /app after the tree moved to /app/v2 deletes /app\'s parameters and none of /app/v2\'s', async () => {
      // GIVEN a tree under destroy at /app, moved to the child path /app/v2 with the same names
      const app = uniquePath('move');
      const before = tree(app, ['a', 'b'], { RemovalPolicy: 'destroy' });
      const after = tree(`${app}/v2`, ['a', 'b'], { RemovalPolicy: 'destroy' });

      // WHEN CloudFormation cleans up the old id, whose path holds the new tree
      const { created, updated, stateBefore, state } = await updateThenCleanUp(before, after);

      // THEN (same generation, as the names are the same: only the owner's path tells the trees apart)
      expect(generationOfId(updated)).toBe(generationOfId(created));
      expect(state).toEqual({ [`${app}/v2/a`]: stateBefore[`${app}/v2/a`], [`${app}/v2/b`]: stateBefore[`${app}/v2/b`] });
    });

    test('a cleanup Delete delivered again after the cleanup finished leaves the living tree alone', async () => {
      // GIVEN a tree under destroy, updated, its cleanup done
      const path = uniquePath('late-duplicate');
      const before = tree(path, ['a', 'b'], { RemovalPolicy: 'destroy' });
      const after = tree(path, ['a', 'c'], { RemovalPolicy: 'destroy' });
      const { created, updated, state: cleaned } = await updateThenCleanUp(before, after);

      // WHEN the same Delete arrives once more, the stack now UPDATE_COMPLETE
      stacks.inState('UPDATE_COMPLETE', updated);
      const state = await deleteTwice(created, before, path);

      // THEN the tree of the live generation is untouched
      expect(state).toEqual(cleaned);
      // (each keeps the generation it was created in)
      expect(tagsOf(state)).toEqual({ [`${path}/a`]: treeTags(after, created), [`${path}/c`]: treeTags(after, updated) });
    });
  });

  describe('an update rolled back', () => {
    test('the cleanup of its generation deletes what it created under retain, and releases what it adopted', async () => {
      // GIVEN a tree under retain; an update adds 'b/new' and adopts 'c', succeeds, then is rolled back by another resource's failure
      const path = uniquePath('rollback');
      await preExisting(`${path}/c`);
      const before = tree(path, ['a']);
      const created = await deliver(createEvent(collector.responseUrl, before));
      const stateBefore = await stateUnder(path);
      const after = tree(path, ['a', 'b/new', 'c'], { AdoptExisting: 'true' });
      const updated = await deliver(updateEvent(collector.responseUrl, created.PhysicalResourceId, after, before));
      await markAdopted(`${path}/c`);
      const adopted = (await stateUnder(path))[`${path}/c`];
      await deliver(updateEvent(collector.responseUrl, updated.PhysicalResourceId, before, after));

      // WHEN CloudFormation cleans up the failed update's id, with its properties
      stacks.cleanupAfterRollback(created.PhysicalResourceId);
      const state = await deleteTwice(updated.PhysicalResourceId, after, path);

      // THEN
      expect(state).toEqual({
        [`${path}/a`]: { ...stateBefore[`${path}/a`], version: expect.any(Number) },
        [`${path}/c`]: { ...adopted, tags: { origin: 'manual', team: 'shop' } },
      });
      expect(state[`${path}/a`].tags).toEqual(treeTags(before, created.PhysicalResourceId));
    });
  });

  test('a Delete whose stack CloudFormation will not describe fails naming the call, and removes nothing', async () => {
    // GIVEN a tree under destroy, and a CloudFormation that refuses the call
    const path = uniquePath('not-describable');
    const props = tree(path, ['a'], { RemovalPolicy: 'destroy' });
    const created = await deliver(createEvent(collector.responseUrl, props));
    const before = await stateUnder(path);
    const refusing: StackView = {
      status: async () => { throw Object.assign(new Error('not authorized to perform cloudformation:DescribeStacks'), { name: 'AccessDenied' }); },
      liveResource: async () => ({ physicalId: created.PhysicalResourceId, status: 'DELETE_IN_PROGRESS' }),
      liveResourcesOfType: async () => new Map(),
    };
    const refused = createTreeHandler({ ssm, kms, stacks: () => refusing, sleep: async () => {}, concurrency: 4 });

    // WHEN
    await refused(deleteEvent(collector.responseUrl, created.PhysicalResourceId, props), context);

    // THEN
    expect(collector.last()).toMatchObject({ Status: 'FAILED', Reason: 'AccessDenied: not authorized to perform cloudformation:DescribeStacks' });
    expect(await stateUnder(path)).toEqual(before);
  });
});
