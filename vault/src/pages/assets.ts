/**
 * The pages' own static files (visitor pages and the agent's viewer), built into `vault/public` by `scripts/build-assets.js`.
 */
import fs from 'fs';
import path from 'path';

export type AssetName = 'visitor.js' | 'visitor.css' | 'viewer.js' | 'viewer.css';

/** `vault/public`, from `src/pages` under ts-jest and from `dist/pages` when built. */
export const ASSET_DIR = path.resolve(__dirname, '../../public');

export const ASSET_CONTENT_TYPES: Readonly<Record<AssetName, string>> = {
  'visitor.js': 'text/javascript; charset=utf-8',
  'visitor.css': 'text/css; charset=utf-8',
  'viewer.js': 'text/javascript; charset=utf-8',
  'viewer.css': 'text/css; charset=utf-8',
};

/** The assets were not built: run `npm run build` (or `node scripts/build-assets.js`) in vault/. */
export class AssetMissingError extends Error {
  readonly code = 'asset_missing';
  constructor(readonly asset: AssetName) {
    super(`${asset} is missing from ${ASSET_DIR}: run "node scripts/build-assets.js" in vault/`);
    this.name = 'AssetMissingError';
  }
}

const cache = new Map<AssetName, Buffer>();

/** The asset's bytes, read once and then served from memory. */
export function readAsset(name: AssetName): Buffer {
  const cached = cache.get(name);
  if (cached) return cached;
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(path.join(ASSET_DIR, name));
  } catch {
    throw new AssetMissingError(name);
  }
  cache.set(name, bytes);
  return bytes;
}
