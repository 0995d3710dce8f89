/**
 * Which Chromium the browser tests drive. Never a download at run time:
 *  1. `TEST_CHROMIUM=/path/to/chrome`: that binary;
 *  2. the system's (`chromium`, `chromium-browser`, `google-chrome` on PATH), unless
 *     `TEST_CHROMIUM=npm`;
 *  3. the headless Chromium that the npm package @sparticuz/chromium ships (a root devDependency),
 *     unpacked once from its Brotli file into node_modules/.cache.
 * So `npm ci && npm test` works on a machine without a browser, and a machine with one uses it.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';

const SYSTEM_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

export interface ChromiumChoice {
  path: string;
  source: 'TEST_CHROMIUM' | 'system' | 'npm';
}

function onPath(name: string, searchPath: string): string {
  for (const dir of searchPath.split(path.delimiter)) {
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return '';
}

/** The package's binary, unpacked into node_modules/.cache/<package>@<version>/chromium (atomically). */
export function npmChromium(): string {
  let pkgDir: string;
  try {
    // Its exports map hides package.json: resolve the entry point and walk up to the package.
    pkgDir = path.dirname(require.resolve('@sparticuz/chromium'));
    while (!fs.existsSync(path.join(pkgDir, 'bin', 'chromium.br'))) {
      if (path.dirname(pkgDir) === pkgDir) throw new Error('no bin/chromium.br');
      pkgDir = path.dirname(pkgDir);
    }
  } catch {
    throw new Error(
      'No Chromium for the browser tests: none on PATH and the npm package @sparticuz/chromium is not installed ' +
        '(run "npm ci" at the repository root, or install Debian\'s chromium).',
    );
  }
  const { version } = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')) as { version: string };
  // pkgDir is <node_modules>/@sparticuz/chromium.
  const cacheDir = path.resolve(pkgDir, '..', '..', '.cache', `sparticuz-chromium@${version}`);
  const binary = path.join(cacheDir, 'chromium');
  if (!fs.existsSync(binary)) {
    fs.mkdirSync(cacheDir, { recursive: true });
    // Two test workers may unpack at once: each writes its own file and renames it into place.
    const partial = `${binary}.${process.pid}.partial`;
    fs.writeFileSync(partial, zlib.brotliDecompressSync(fs.readFileSync(path.join(pkgDir, 'bin', 'chromium.br'))), {
      mode: 0o755,
    });
    fs.renameSync(partial, binary);
  }
  return binary;
}

export function chooseChromium(env: NodeJS.ProcessEnv = process.env): ChromiumChoice {
  const wanted = env.TEST_CHROMIUM || '';
  if (wanted && wanted !== 'npm' && wanted !== 'system') {
    if (!fs.existsSync(wanted)) throw new Error(`TEST_CHROMIUM=${wanted}: no such file`);
    return { path: wanted, source: 'TEST_CHROMIUM' };
  }
  if (wanted !== 'npm') {
    for (const name of SYSTEM_NAMES) {
      const found = onPath(name, env.PATH || '');
      if (found) return { path: found, source: 'system' };
    }
    if (wanted === 'system') throw new Error('TEST_CHROMIUM=system, but no chromium is on PATH');
  }
  return { path: npmChromium(), source: 'npm' };
}

/** The binary's own version line, e.g. "Chromium 156.0.8078.73" (for reports). */
export function chromiumVersion(binary: string): string {
  return execFileSync(binary, ['--version'], { encoding: 'utf8', timeout: 20000 }).trim();
}
