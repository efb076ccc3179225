/**
 * The Delete's decision table, case by case, without I/O: what CloudFormation says (stack status,
 * live physical id) and the Delete's own removal policy decide what it removes.
 */
import { Removal, removalOf } from '../../../lambda-handlers/parameter-tree/delete-generation';
import { parsePhysicalId } from '../../../lambda-handlers/parameter-tree/hashing';

const OWN = '/shop/prod@0123456789abcdef';
const OTHER_GENERATION = '/shop/prod@fedcba9876543210';

function decide(
  stackStatus: string | undefined, livePhysicalId: string | undefined, removalPolicy: 'retain' | 'destroy' = 'destroy', physicalId = OWN, liveResourceStatus?: string,
): Removal {
  return removalOf({ physicalId, parsed: parsePhysicalId(physicalId)!, stackStatus, livePhysicalId, liveResourceStatus, removalPolicy });
}

describe('what a Delete removes', () => {
  test.each([
    ['the stack does not exist', undefined, undefined],
    ['stack deletion', 'DELETE_IN_PROGRESS', OWN],
    ['the rollback of the stack\'s Create', 'ROLLBACK_IN_PROGRESS', OWN],
    ['the tree removed from the template', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', undefined],
    ['a tree added by an update that rolled back', 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS', undefined],
    ['a live id that is not a tree generation', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', 'ConfigTree:invalid-properties'],
    ['stack deletion after a late cleanup Delete', 'DELETE_IN_PROGRESS', OTHER_GENERATION],
  ])('%s: the whole tree, by the removal policy', (_case, status, live) => {
    expect(decide(status, live, 'destroy').scope).toBe('tree');
    expect(decide(status, live, 'retain').scope).toBe('none');
  });

  test('cleanup after a successful update: what the LIVE generation marked, deleted, or released when the live id retains removed parameters', () => {
    expect(decide('UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', OTHER_GENERATION, 'retain'))
      .toMatchObject({ scope: 'removed', removedIn: 'fedcba9876543210', release: false });
    expect(decide('UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', `${OTHER_GENERATION}+retain-removed`, 'destroy'))
      .toMatchObject({ scope: 'removed', removedIn: 'fedcba9876543210', release: true });
    // the Delete's own id (the old setting) does not count
    expect(decide('UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', OTHER_GENERATION, 'destroy', `${OWN}+retain-removed`)).toMatchObject({ scope: 'removed', release: false });
  });

  test('cleanup after a rolled-back update: what the live generation marked (the rollback marked what the failed update made), deleted whatever the settings', () => {
    expect(decide('UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS', `${OTHER_GENERATION}+retain-removed`, 'retain'))
      .toMatchObject({ scope: 'removed', removedIn: 'fedcba9876543210', release: false });
  });

  test('the same generation live (only the retain-removed setting changed): nothing', () => {
    expect(decide('UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', `${OWN}+retain-removed`).scope).toBe('none');
    expect(decide('UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS', OWN, 'destroy', `${OWN}+retain-removed`).scope).toBe('none');
  });

  test('a tree moved to another path: everything it owns under the old path, even with the same names', () => {
    expect(decide('UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', '/shop/prod/v2@0123456789abcdef')).toMatchObject({ scope: 'old-path', release: false });
    expect(decide('UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', '/shop/prod/v2@fedcba9876543210+retain-removed')).toMatchObject({ scope: 'old-path', release: true });
    expect(decide('UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS', '/shop/prod/v2@fedcba9876543210+retain-removed')).toMatchObject({ scope: 'old-path', release: false });
  });

  test.each([
    ['after the cleanup', 'UPDATE_COMPLETE'],
    ['after the rollback\'s cleanup', 'UPDATE_ROLLBACK_COMPLETE'],
    ['during the next update, whose marks its own rollback may need', 'UPDATE_IN_PROGRESS'],
    ['during the next update\'s rollback', 'UPDATE_ROLLBACK_IN_PROGRESS'],
  ])('a late duplicate of a cleanup Delete %s removes nothing, and never the whole tree', (_case, status) => {
    expect(decide(status, OTHER_GENERATION).scope).toBe('none');
    expect(decide(status, '/shop/prod/v2@0123456789abcdef').scope).toBe('none');
  });

  test.each([
    ['UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', 'UPDATE_COMPLETE'],
    ['UPDATE_COMPLETE', 'UPDATE_COMPLETE'],
    ['UPDATE_IN_PROGRESS', 'UPDATE_IN_PROGRESS'],
    ['UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS', 'UPDATE_ROLLBACK_COMPLETE'],
    ['CREATE_COMPLETE', 'CREATE_COMPLETE'],
  ])('a Delete of the id a live resource holds (stack %s, resource %s) is a late duplicate: nothing, even under destroy', (status, resourceStatus) => {
    expect(decide(status, OWN, 'destroy', OWN, resourceStatus).scope).toBe('none');
  });

  test.each([
    ['DELETE_IN_PROGRESS', 'DELETE_IN_PROGRESS'],
    ['ROLLBACK_IN_PROGRESS', 'DELETE_IN_PROGRESS'],
    ['UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', 'DELETE_IN_PROGRESS'],
    ['ROLLBACK_IN_PROGRESS', 'CREATE_FAILED'],
    ['DELETE_IN_PROGRESS', undefined],
  ])('a Delete of the resource being deleted (stack %s, resource %s): the whole tree, by the removal policy', (status, resourceStatus) => {
    expect(decide(status, OWN, 'destroy', OWN, resourceStatus).scope).toBe('tree');
    expect(decide(status, OWN, 'retain', OWN, resourceStatus).scope).toBe('none');
  });
});
