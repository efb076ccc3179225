/**
 * A tree split into segments, against moto_server: each segment's resource reconciles its own
 * parameters under the shared path and leaves the others' alone, a change in the number of
 * segments keeps every value and writes nothing for the parameters that move, a name removed as
 * the count changes goes with the cleanup of the live segment that now holds it (a removed
 * segment's Delete removes nothing), and the Deletes of a removed tree and of the stack remove
 * what they should. Events arrive in the order the template's dependencies give:
 * segments 1, 2, ... first, segment 0 last (and first on deletion). CloudFormation's answers come
 * from the stand-in (see StackStandIn).
 */
import { SSMClient } from '@aws-sdk/client-ssm';
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
import { generationOf } from '../../../lambda-handlers/parameter-tree/hashing';
import { TreeEvent } from '../../../lambda-handlers/parameter-tree/reconciler';
import { treeGenerationOf } from '../../../lambda-handlers/parameter-tree/segment';
import { createTreeHandler } from '../../../lambda-handlers/parameter-tree/tree-handler';
import { CustomResourceResponse } from '../../../lambda-handlers/shared/cfn-response';
import {
  GENERATION_TAG, OWNER_TAG, ownerOf, REMOVED_IN_TAG, ParameterKind, ParameterSpec, segmentOf, TreeResourceProperties,
} from '../../../src/parameter-tree/private/contract';
import { describeWithServices } from '../../support/services';

type State = Record<string, ParameterState>;

/** Logical ids of segments 0, 1, 2 (segment 0 is the tree's `Default`). */
const SEGMENT_IDS = [LOGICAL_ID, 'ConfigSegment1A1B2C3D', 'ConfigSegment2E4F5A6B'];

const string = (name: string, value = `${name}-value`): ParameterSpec => ({ Name: name, Kind: ParameterKind.STRING, Tier: 'Standard', Description: '', Value: value });
const generated = (name: string): ParameterSpec => ({
  Name: name,
  Kind: ParameterKind.GENERATED,
  Tier: 'Standard',
  Description: '',
  Generator: { Length: '24', ExcludeCharacters: '', ExcludePunctuation: 'false', Generation: '' },
});
/** Six strings and six generated secrets: every segment of 2 and of 3 holds some. */
const SPECS = Array.from({ length: 6 }, (_, i) => [string(`svc${i}/url`), generated(`svc${i}/secret`)]).flat();

describe('segment generations', () => {
  test("an unsplit tree's generation is the one earlier versions computed", () => {
    expect(treeGenerationOf({ Parameters: SPECS })).toBe(generationOf(SPECS.map((s) => s.Name)));
  });

  test('segments never share a generation, even with the same names', () => {
    const of = (Index: string, Count: string) => treeGenerationOf({ Parameters: [], Segment: { Index, Count } });
    const generations = [of('0', '2'), of('1', '2'), of('0', '3'), of('1', '3'), treeGenerationOf({ Parameters: [] })];
    expect(new Set(generations).size).toBe(generations.length);
  });
});

describeWithServices(['moto'], 'parameter tree segments (moto_server)', () => {
  const { ssm, kms } = motoClients();
  const suite = lifecycleSuite(kms, 'segments test key');
  const { collector, stacks } = suite;
  /** The name of every SSM command the handler sent, and the parameter it names if any. */
  const sent: { readonly name: string; readonly parameter?: string }[] = [];
  const recording = new SSMClient({});
  (recording as any).send = (command: { constructor: { name: string }; input: any }, options?: unknown) => {
    sent.push({ name: command.constructor.name.replace(/Command$/, ''), parameter: command.input.Name ?? command.input.ResourceId });
    return ssm.send(command as any, options as any);
  };
  const handler = createTreeHandler({ ssm: recording, kms, stacks: stacks.source, sleep: async () => {}, concurrency: 4 });
  /** Commands that change a parameter or its tags. */
  const WRITES = new Set(['PutParameter', 'AddTagsToResource', 'RemoveTagsFromResource', 'LabelParameterVersion', 'DeleteParameters', 'DeleteParameter']);
  const writesSince = (start: number) => sent.slice(start).filter((c) => WRITES.has(c.name));

  /** Segment `index` of `count` of the tree of `specs`: its own specs only. */
  type Overrides = Partial<TreeResourceProperties>;

  function segment(path: string, specs: ParameterSpec[], index: number, count: number, overrides: Overrides = {}): TreeResourceProperties {
    const own = specs.filter((spec) => count === 1 || segmentOf(spec.Name, count) === index);
    const segmentSpec = count > 1 ? { Segment: { Index: String(index), Count: String(count) } } : {};
    return treeProperties(path, suite.keyArn, own, { ...segmentSpec, ...overrides });
  }

  /** The segments of a tree: their properties and physical ids, by index. */
  interface Deployed {
    readonly props: TreeResourceProperties[];
    readonly ids: string[];
  }

  async function deliver(event: TreeEvent, index: number): Promise<CustomResourceResponse> {
    await handler({ ...event, LogicalResourceId: SEGMENT_IDS[index] }, context);
    const response = collector.last();
    expect(response).toMatchObject({ Status: 'SUCCESS' });
    return response;
  }

  /** Segments 1 to count - 1, then 0: the order of the template's dependencies. */
  const deployOrder = (count: number) => [...Array.from({ length: count - 1 }, (_, i) => i + 1), 0];

  async function createTree(path: string, specs: ParameterSpec[], count: number, overrides: Overrides = {}): Promise<Deployed> {
    const props = Array.from({ length: count }, (_, index) => segment(path, specs, index, count, overrides));
    const ids: string[] = [];
    for (const index of deployOrder(count)) ids[index] = (await deliver(createEvent(collector.responseUrl, props[index]), index)).PhysicalResourceId;
    return { props, ids };
  }

  /** The deployment that changes the tree to `specs` in `count` segments: Updates of the segments that stay, Creates of new ones. */
  async function updateTree(before: Deployed, specs: ParameterSpec[], count: number, overrides: Overrides = {}): Promise<Deployed> {
    const props = Array.from({ length: count }, (_, index) => segment(before.props[0].Path, specs, index, count, overrides));
    const ids: string[] = [];
    for (const index of deployOrder(count)) {
      const event = index < before.props.length
        ? updateEvent(collector.responseUrl, before.ids[index], props[index], before.props[index])
        : createEvent(collector.responseUrl, props[index]);
      ids[index] = (await deliver(event, index)).PhysicalResourceId;
    }
    return { props, ids };
  }

  /** The stack as CloudFormation reports it: `status`, and the live segments of `live`. */
  function stackIn(status: string, live: Deployed, segments: number[]): void {
    stacks.inState(status, segments.includes(0) ? live.ids[0] : undefined);
    for (const index of segments.filter((i) => i > 0)) stacks.withTree(SEGMENT_IDS[index], live.ids[index]);
  }

  /** CloudFormation's cleanup after `after` replaced `before`: Deletes of replaced generations, then of removed segments. */
  async function cleanUp(before: Deployed, after: Deployed): Promise<void> {
    const alive = after.ids.map((_, i) => i);
    for (let index = 0; index < before.ids.length; index++) {
      if (after.ids[index] === before.ids[index]) continue;
      stackIn('UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', after, alive);
      await deliver(deleteEvent(collector.responseUrl, before.ids[index], before.props[index]), index);
    }
  }

  const stateUnder = (path: string): Promise<State> => parameterStoreState(ssm, path);
  const generationOfId = (physicalId: string) => /@([0-9a-f]{16})/.exec(physicalId)![1];
  /** Full name -> the generation it should carry: its segment's, under `count` segments. */
  function expectedGenerations(path: string, deployed: Deployed, specs: ParameterSpec[]): Record<string, string> {
    const count = deployed.ids.length;
    return Object.fromEntries(specs.map((spec) =>
      [`${path}/${spec.Name}`, generationOfId(deployed.ids[count === 1 ? 0 : segmentOf(spec.Name, count)])]));
  }
  const generations = (state: State) => Object.fromEntries(Object.entries(state).map(([name, p]) => [name, p.tags[GENERATION_TAG]]));
  const values = (state: State) => Object.fromEntries(Object.entries(state).map(([name, p]) => [name, [p.value, p.version]]));

  test('each segment creates its own parameters, tagged with its own generation', async () => {
    // GIVEN
    const path = uniquePath('segments-create');

    // WHEN
    const created = await createTree(path, SPECS, 3);

    // THEN
    const state = await stateUnder(path);
    expect(Object.keys(state).sort()).toEqual(SPECS.map((s) => `${path}/${s.Name}`).sort());
    expect(new Set(created.ids).size).toBe(3);
    expect(generations(state)).toEqual(expectedGenerations(path, created, SPECS));
    expect(Object.values(state).every((p) => p.tags[OWNER_TAG] === ownerOf(STACK_NAME, path))).toBe(true);
  });

  test("an Update of one segment touches only that segment's parameters", async () => {
    // GIVEN
    const path = uniquePath('segments-update');
    const created = await createTree(path, SPECS, 2);
    const before = await stateUnder(path);
    const changed = SPECS.find((s) => s.Kind === ParameterKind.STRING && segmentOf(s.Name, 2) === 1)!;
    const specs = SPECS.map((s) => (s === changed ? string(s.Name, 'changed') : s));

    // WHEN only segment 1's properties change, as CloudFormation sees it
    const props = segment(path, specs, 1, 2);
    await deliver(updateEvent(collector.responseUrl, created.ids[1], props, created.props[1]), 1);

    // THEN
    const state = await stateUnder(path);
    const changedName = `${path}/${changed.Name}`;
    expect(state[changedName]).toMatchObject({ value: 'changed', version: before[changedName].version + 1 });
    expect({ ...state, [changedName]: before[changedName] }).toEqual(before);
  });

  test("an Update of one segment that reads the whole path leaves the other segments' parameters alone", async () => {
    // GIVEN a segment whose previous properties cannot be read: it reads every parameter under the path
    const path = uniquePath('segments-whole-read');
    const created = await createTree(path, SPECS, 2);
    const before = await stateUnder(path);

    // WHEN
    await deliver(updateEvent(collector.responseUrl, created.ids[1], created.props[1], {} as TreeResourceProperties), 1);

    // THEN segment 0's parameters are not leftovers of segment 1
    expect(await stateUnder(path)).toEqual(before);
  });

  test('a name removed from one segment is deleted by that segment\'s cleanup, and nothing else', async () => {
    // GIVEN
    const path = uniquePath('segments-remove');
    const created = await createTree(path, SPECS, 2);
    const removed = SPECS.find((s) => segmentOf(s.Name, 2) === 1)!;
    const specs = SPECS.filter((s) => s !== removed);

    // WHEN segment 1 is updated without it, then CloudFormation cleans up its old generation
    const props = [created.props[0], segment(path, specs, 1, 2)];
    const updatedOne = await deliver(updateEvent(collector.responseUrl, created.ids[1], props[1], created.props[1]), 1);
    const updated = { props, ids: [created.ids[0], updatedOne.PhysicalResourceId] };
    const before = await stateUnder(path);
    await cleanUp(created, updated);

    // THEN
    const state = await stateUnder(path);
    const { [`${path}/${removed.Name}`]: gone, ...kept } = before;
    expect(gone).toBeDefined();
    expect(state).toEqual(kept);
  });

  test('going from 2 to 3 segments keeps every value, version and tag, and writes or tags no parameter', async () => {
    // GIVEN
    const path = uniquePath('segments-grow');
    const created = await createTree(path, SPECS, 2);
    const before = await stateUnder(path);
    const start = sent.length;

    // WHEN the tree is deployed in 3 segments, and CloudFormation cleans up
    const grown = await updateTree(created, SPECS, 3);
    await cleanUp(created, grown);

    // THEN the parameters that moved to another segment keep their birth generation too
    expect(await stateUnder(path)).toEqual(before);
    expect(writesSince(start)).toEqual([]);
  });

  test.each(['retain', 'destroy'] as const)(
    'going from 3 to 2 segments under %s keeps every value; a name the removed segment held, removed too, goes with the cleanup of the segment now holding it',
    async (policy) => {
      // GIVEN a tree of 3 segments, one name of segment 2 removed as the tree shrinks to 2 segments
      const path = uniquePath(`segments-shrink-${policy}`);
      const created = await createTree(path, SPECS, 3, { RemovalPolicy: policy });
      const before = await stateUnder(path);
      const removed = SPECS.find((s) => segmentOf(s.Name, 3) === 2)!;
      const removedName = `${path}/${removed.Name}`;
      const specs = SPECS.filter((s) => s !== removed);

      // WHEN the tree is deployed in 2 segments, then CloudFormation cleans up: segments 0 and 1
      // replaced, then segment 2 removed from the template
      const shrunk = await updateTree(created, specs, 2, { RemovalPolicy: policy });
      const marked = await stateUnder(path);
      await cleanUp(created, shrunk);
      const cleaned = await stateUnder(path);
      stackIn('UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', shrunk, [0, 1]);
      await deliver(deleteEvent(collector.responseUrl, created.ids[2], created.props[2]), 2);

      // THEN the update marked the removed name with the generation of the segment now holding it,
      // whose cleanup deleted it; segment 2's Delete removed nothing
      const holder = segmentOf(removed.Name, 2);
      expect(marked[removedName].tags[REMOVED_IN_TAG]).toBe(generationOfId(shrunk.ids[holder]));
      const { [removedName]: gone, ...kept } = before;
      expect(gone).toBeDefined();
      expect(cleaned).toEqual(kept);
      expect(await stateUnder(path)).toEqual(kept);
    },
  );

  test('an update to 3 segments that rolls back before reaching segment 0 loses nothing in its cleanup', async () => {
    // GIVEN a tree of 2 segments; the update to 3 updates segment 1, creates segment 2 (which
    // takes parameters over from segments 0 and 1), then fails before segment 0's Update
    const path = uniquePath('segments-rollback');
    const created = await createTree(path, SPECS, 2);
    const before = await stateUnder(path);
    const props = [segment(path, SPECS, 0, 3), segment(path, SPECS, 1, 3), segment(path, SPECS, 2, 3)];
    const updatedOne = (await deliver(updateEvent(collector.responseUrl, created.ids[1], props[1], created.props[1]), 1)).PhysicalResourceId;
    const createdTwo = (await deliver(createEvent(collector.responseUrl, props[2]), 2)).PhysicalResourceId;

    // WHEN CloudFormation rolls segment 1 back, then deletes segment 2 and segment 1's failed generation
    stacks.inState('UPDATE_ROLLBACK_IN_PROGRESS', created.ids[0]).withTree(SEGMENT_IDS[1], updatedOne).withTree(SEGMENT_IDS[2], createdTwo);
    const rolledBack = (await deliver(updateEvent(collector.responseUrl, updatedOne, created.props[1], props[1]), 1)).PhysicalResourceId;
    stacks.inState('UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS', created.ids[0]).withTree(SEGMENT_IDS[1], rolledBack).withTree(SEGMENT_IDS[2], createdTwo);
    await deliver(deleteEvent(collector.responseUrl, createdTwo, props[2]), 2);
    await deliver(deleteEvent(collector.responseUrl, updatedOne, props[1]), 1);

    // THEN every parameter is there with its value
    expect(rolledBack).toBe(created.ids[1]);
    expect(values(await stateUnder(path))).toEqual(values(before));
  });

  test('an update to 2 segments that marked a name of segment 2 and rolls back loses nothing in its cleanup', async () => {
    // GIVEN a tree of 3 segments; the update to 2 segments, without one name of segment 2, updates
    // segment 1 (which marks that name if it falls in its new bucket, else nothing), then fails
    const path = uniquePath('segments-shrink-rollback');
    const created = await createTree(path, SPECS, 3);
    const before = await stateUnder(path);
    const removed = SPECS.find((s) => segmentOf(s.Name, 3) === 2 && segmentOf(s.Name, 2) === 1)!;
    const shrunkOne = segment(path, SPECS.filter((s) => s !== removed), 1, 2);
    const updatedOne = (await deliver(updateEvent(collector.responseUrl, created.ids[1], shrunkOne, created.props[1]), 1)).PhysicalResourceId;
    const marked = await stateUnder(path);

    // WHEN CloudFormation rolls segment 1 back, then deletes its failed generation
    stacks.inState('UPDATE_ROLLBACK_IN_PROGRESS', created.ids[0]).withTree(SEGMENT_IDS[1], updatedOne).withTree(SEGMENT_IDS[2], created.ids[2]);
    const rolledBack = (await deliver(updateEvent(collector.responseUrl, updatedOne, created.props[1], shrunkOne), 1)).PhysicalResourceId;
    stackIn('UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS', created, [0, 1, 2]);
    await deliver(deleteEvent(collector.responseUrl, updatedOne, shrunkOne), 1);

    // THEN the name the failed update marked is still there, as is every other
    expect(marked[`${path}/${removed.Name}`].tags[REMOVED_IN_TAG]).toBe(generationOfId(updatedOne));
    expect(rolledBack).toBe(created.ids[1]);
    expect(values(await stateUnder(path))).toEqual(values(before));
  });

  test('stack deletion under destroy removes every segment\'s parameters', async () => {
    // GIVEN
    const path = uniquePath('segments-destroy');
    const created = await createTree(path, SPECS, 3, { RemovalPolicy: 'destroy' });

    // WHEN the stack is deleted: segment 0 first, then 2, then 1
    for (const index of [0, 2, 1]) {
      stacks.inState('DELETE_IN_PROGRESS', index === 0 ? created.ids[0] : undefined).withTree(SEGMENT_IDS[index], created.ids[index]);
      await deliver(deleteEvent(collector.responseUrl, created.ids[index], created.props[index]), index);
    }

    // THEN
    expect(await stateUnder(path)).toEqual({});
  });

  test.each([
    ['retain', SPECS.length],
    ['destroy', 0],
  ] as const)('a tree removed from a living stack under %s keeps its parameters until its last segment goes', async (policy, left) => {
    // GIVEN
    const path = uniquePath(`segments-removed-${policy}`);
    const created = await createTree(path, SPECS, 3, { RemovalPolicy: policy });
    const before = await stateUnder(path);

    // WHEN the update's cleanup deletes its resources: segment 0 first, then 2, then 1 (each
    // reports its physical id while it is being deleted)
    const remaining = [0, 1, 2];
    for (const index of [0, 2, 1]) {
      stackIn('UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', created, remaining);
      remaining.splice(remaining.indexOf(index), 1);
      await deliver(deleteEvent(collector.responseUrl, created.ids[index], created.props[index]), index);
      if (remaining.length > 0) expect(await stateUnder(path)).toEqual(before);
    }

    // THEN
    expect(Object.keys(await stateUnder(path))).toHaveLength(left);
  });

  test('refuses a Segment whose index is not below its count, naming both', async () => {
    const path = uniquePath('segments-invalid');
    const props = { ...segment(path, SPECS, 0, 2), Segment: { Index: '2', Count: '2' } };

    await handler(createEvent(collector.responseUrl, props), context);

    expect(collector.last()).toMatchObject({ Status: 'FAILED', Reason: expect.stringContaining("Index '2', Count '2'") });
    expect(await stateUnder(path)).toEqual({});
  });
});
