/**
 * Before a reconcile's writes, which version of each secret carries its spec label: asked for
 * all of them at once, ten names a GetParameters call and without decryption, rather than one
 * decrypting GetParameter per secret as each is reached. A continued Create, a duplicate
 * delivery or a rollback finds most secrets already holding their spec's value this way.
 */
import { ParameterStore } from './parameter-store';
import { ParameterPlan } from './plan';

/**
 * Name to the version carrying the label its write looks for; undefined when none does. Names
 * that were not asked are absent, and their write reads the label itself.
 */
export type LabelledVersions = ReadonlyMap<string, number | undefined>;

export async function labelledVersionsOf(parameters: readonly ParameterPlan[], store: ParameterStore): Promise<LabelledVersions> {
  const labels = new Map<string, string>();
  for (const parameter of parameters) {
    // One not yet claimed is not readable by the tree's policy (owner tag): its write reads it after the claim.
    if (parameter.actions.some((action) => action.kind === 'claim')) continue;
    for (const action of parameter.actions) {
      if (action.kind === 'write' && action.source.from === 'labelled') labels.set(parameter.name, action.source.label);
    }
  }
  if (labels.size === 0) return new Map();
  const found = await store.versionsLabelled(labels);
  return new Map([...labels.keys()].map((name) => [name, found.get(name)]));
}
