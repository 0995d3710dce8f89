/**
 * npm 12 skips a dependency's install scripts unless the project's package.json approves them in
 * `allowScripts` (npm 11.16+ warns). Without its install script better-sqlite3 has no native
 * build and the vault cannot open its database, so a fresh clone would install cleanly and then
 * fail. Every package of each lockfile that has an install script is approved, and nothing else is.
 */
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..');
const readJson = (file: string): unknown => JSON.parse(fs.readFileSync(path.join(ROOT, file), 'utf8'));

interface Lockfile {
  packages: Record<string, { hasInstallScript?: boolean }>;
}

/** Names of the installed packages whose lockfile entry says they have an install script. */
function packagesWithInstallScripts(lockfile: string): string[] {
  const { packages } = readJson(lockfile) as Lockfile;
  return Object.entries(packages)
    .filter(([where, entry]) => where !== '' && entry.hasInstallScript === true)
    .map(([where]) => where.slice(where.lastIndexOf('node_modules/') + 'node_modules/'.length))
    .sort();
}

describe.each([['.'], ['vault']])('the %s package', (dir) => {
  it('approves exactly the dependencies with install scripts in its lockfile', () => {
    const { allowScripts = {} } = readJson(path.join(dir, 'package.json')) as {
      allowScripts?: Record<string, boolean>;
    };
    const needed = [...new Set(packagesWithInstallScripts(path.join(dir, 'package-lock.json')))];
    expect(needed.length).toBeGreaterThan(0);
    expect(Object.keys(allowScripts).sort()).toEqual(needed);
    for (const name of needed) expect([name, allowScripts[name]]).toEqual([name, true]);
  });
});
