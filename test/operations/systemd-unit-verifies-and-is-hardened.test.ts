/**
 * deploy/idv-vault.service: `systemd-analyze verify` finds nothing to say about it, and
 * `systemd-analyze security --offline` rates its exposure low. Machines without systemd-analyze
 * skip these checks and say so.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const UNIT = path.resolve(__dirname, '..', '..', 'deploy', 'idv-vault.service');
const available = spawnSync('systemd-analyze', ['--version']).status === 0;

function inCopy(text: string, check: (file: string) => void): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unit-'));
  try {
    const file = path.join(dir, 'idv-vault.service');
    fs.writeFileSync(file, text);
    check(file);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function verify(file: string): { status: number | null; said: string } {
  const run = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
  return { status: run.status, said: `${run.stdout}${run.stderr}`.trim() };
}

describe('the systemd unit', () => {
  const text = fs.readFileSync(UNIT, 'utf8');

  it('runs as its own user with the hardening an operator expects', () => {
    for (const line of [
      'User=idv-vault',
      'NoNewPrivileges=yes',
      'ProtectSystem=strict',
      'PrivateTmp=yes',
      'ProtectHome=yes',
      'CapabilityBoundingSet=',
      'StateDirectory=idv-vault',
      'KillSignal=SIGTERM',
    ]) {
      expect(text.split('\n')).toContain(line);
    }
  });

  (available ? it : it.skip)(
    'systemd-analyze verify has nothing to say (and does complain about a broken copy)',
    () => {
      inCopy(text, (file) => expect(verify(file)).toEqual({ status: 0, said: '' }));
      inCopy(text.replace('ProtectSystem=strict', 'ProtectSystem=sometimes'), (file) =>
        expect(verify(file).said).toMatch(/protect system value/i),
      );
    },
  );

  (available ? it : it.skip)('systemd-analyze security rates its exposure 2.0 or lower (of 10)', () => {
    inCopy(text, (file) => {
      const run = spawnSync('systemd-analyze', ['security', '--offline=yes', file], { encoding: 'utf8' });
      const level = /Overall exposure level for idv-vault\.service: ([\d.]+)/.exec(`${run.stdout}${run.stderr}`);
      expect(level).not.toBeNull();
      expect(Number((level as RegExpExecArray)[1])).toBeLessThanOrEqual(2);
    });
  });

  if (!available) {
    it('says why the systemd checks were skipped', () => {
      console.log('systemd-analyze is not installed here: the unit was not verified (apt-get install systemd).');
    });
  }
});
