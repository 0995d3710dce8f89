/**
 * The V8 flags the vault sets on itself at start (src/v8-runtime-flags.ts) go only to a V8 that has
 * them: node stops on an unknown flag on its command line and V8 complains of one on stderr, so a
 * wrong version gate would break the vault on an older node or leave the flag out on a newer one.
 */
import { spawnSync } from 'node:child_process';
import { runtimeV8Flags } from '../src/v8-runtime-flags';

describe('the runtime V8 flags', () => {
  it('are none before V8 12.4 and the Maglev job flag from 12.4 on, whatever the version string holds', () => {
    const maglev = ['--no-maglev-destroy-on-background'];
    expect(runtimeV8Flags('11.3.244.8-node.38')).toEqual([]); // Node 20
    expect(runtimeV8Flags('12.3.219.16')).toEqual([]);
    expect(runtimeV8Flags('12.4.254.21-node.57')).toEqual(maglev); // Node 22
    expect(runtimeV8Flags('13.6.233.17-node.40')).toEqual(maglev); // Node 24
    expect(runtimeV8Flags('14.0.1')).toEqual(maglev);
    for (const garbage of ['', 'x.y', '12', '.4', '-1.9']) expect(runtimeV8Flags(garbage)).toEqual([]);
  });

  it("are each known to this node's V8, which takes them on its command line without a word", () => {
    const options = spawnSync(process.execPath, ['--v8-options'], { encoding: 'utf8' }).stdout;
    const flags = runtimeV8Flags(process.versions.v8);
    for (const flag of flags)
      expect([flag, options.includes(`  ${flag.replace(/^--no-/, '--')} `)]).toEqual([flag, true]);
    const ran = spawnSync(process.execPath, [...flags, '-e', 'process.exit(0)'], { encoding: 'utf8' });
    expect([ran.status, ran.stderr]).toEqual([0, '']);
  });
});
