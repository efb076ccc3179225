/**
 * Trees of one app that would fight at deploy time: two reconcilers writing one path, a tree
 * inside another's path (each reads the other's parameters as foreign, and a parent under
 * DESTROY could delete the child's), or two default keys claiming one KMS alias.
 */
import { Token } from 'aws-cdk-lib';

/** What the check needs to know of a tree. */
export interface PlacedTree {
  /** The construct path, to name the tree in a message. */
  readonly nodePath: string;
  readonly path: string;
  /** Account and region of its stack, as strings (tokens compare equal for env-agnostic stacks). */
  readonly environment: string;
  /** The alias of the key the tree creates; undefined when the user gave a key. */
  readonly defaultKeyAlias?: string;
}

function contains(parent: string, child: string): boolean {
  return child.startsWith(`${parent}/`);
}

/** Problems between `tree` and the other trees of its app, one message each. */
export function collisionProblems(tree: PlacedTree, others: PlacedTree[]): string[] {
  if (Token.isUnresolved(tree.path)) return [];
  const problems: string[] = [];
  for (const other of others) {
    if (other.nodePath === tree.nodePath || other.environment !== tree.environment || Token.isUnresolved(other.path)) continue;
    if (other.path === tree.path) {
      problems.push(`\`path\` must be unique among the trees of an account and region, got: '${tree.path}', which ${other.nodePath} uses too. ` +
        'Two reconcilers would write the same parameters: merge the trees or give each its own path.');
    } else if (contains(other.path, tree.path) || contains(tree.path, other.path)) {
      const [outer, inner] = contains(other.path, tree.path) ? [other, tree] : [tree, other];
      problems.push(`\`path\` must not nest one tree inside another, got: '${tree.path}', and ${outer.nodePath} holds '${outer.path}' ` +
        `which contains ${inner.nodePath} ('${inner.path}'). Give the trees sibling paths, or add the parameters to one tree.`);
    } else if (tree.defaultKeyAlias !== undefined && tree.defaultKeyAlias === other.defaultKeyAlias) {
      problems.push(`\`path\` '${tree.path}' gives the same default key alias '${tree.defaultKeyAlias}' as ${other.nodePath} ('${other.path}'): ` +
        'KMS aliases are unique per account and region. Pass `encryptionKey` to one of the trees, or rename a path.');
    }
  }
  return problems;
}
