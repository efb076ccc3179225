/**
 * Asset hashes change with every handler build: snapshot tests replace them so that a snapshot
 * tracks the template, not the bundle bytes.
 */
export function normaliseAssetHashes(template: unknown): unknown {
  return JSON.parse(JSON.stringify(template).replace(/[0-9a-f]{64}(\.zip|\.json)?/g, (_hash, suffix) => `ASSET-HASH${suffix ?? ''}`));
}
