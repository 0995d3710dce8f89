/**
 * The node flags the vault runs with (vault/scripts/node-flags.js: a smaller young generation, for
 * the peak RSS) are the same in every launcher: both `npm start`s, the Dockerfile, the systemd
 * unit and the bench. A launcher that drops them runs a vault the benchmarks did not measure.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..');
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { VAULT_NODE_FLAGS } = require('../../vault/scripts/node-flags') as { VAULT_NODE_FLAGS: string[] };

describe('the vault node flags', () => {
  it('are a non-empty list of V8 flags', () => {
    expect(VAULT_NODE_FLAGS.length).toBeGreaterThan(0);
    for (const flag of VAULT_NODE_FLAGS) expect(flag).toMatch(/^--[a-z-]+=\d+$/);
  });

  it('precede dist/main.js in the vault package, the Dockerfile and the systemd unit', () => {
    const flags = VAULT_NODE_FLAGS.join(' ');
    const start = (JSON.parse(read('vault/package.json')) as { scripts: Record<string, string> }).scripts.start;
    expect(start).toContain(`node ${flags} dist/main.js`);
    expect(read('vault/Dockerfile')).toContain(
      `CMD ["node", ${VAULT_NODE_FLAGS.map((flag) => JSON.stringify(flag)).join(', ')}, "dist/main.js"]`,
    );
    expect(read('deploy/idv-vault.service')).toContain(`ExecStart=/usr/bin/node ${flags} /opt/idv-vault/dist/main.js`);
  });

  it('are what `npm start` and the bench pass to node', () => {
    for (const file of ['scripts/start.js', 'bench/run.js', 'bench/workers.js'])
      expect([file, /\.\.\.VAULT_NODE_FLAGS/.test(read(file))]).toEqual([file, true]);
  });

  it('are accepted by this node', () => {
    const ran = spawnSync(process.execPath, [...VAULT_NODE_FLAGS, '-e', 'process.exit(0)']);
    expect(ran.status).toBe(0);
  });
});
