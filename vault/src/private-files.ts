import fs from 'node:fs';
import path from 'node:path';

/**
 * The data dir holds the database and the dev keys: only the vault's own user may read it.
 * Creates it 0700, and tightens an existing one we own (a chmod we may not do is left to the operator).
 * Returns the outermost directory it made (missing parents too), undefined when it made none.
 */
export function ensurePrivateDir(dir: string): string | undefined {
  const made = makeDirs(path.resolve(dir));
  if (!fs.statSync(dir).isDirectory()) throw new Error(`${dir} is not a directory`);
  tighten(dir, 0o700);
  return made;
}

/**
 * `mkdir -p`, one level at a time, each level it creates 0700 (what exists is left as it is):
 * node's own recursive mkdir spins for ever on a path it cannot create under /proc, so a mistyped
 * data dir hung the vault's start-up with no word. Returns the first (outermost) level it made.
 */
export function makeDirs(dir: string): string | undefined {
  const missing: string[] = [];
  for (let at = dir; !fs.existsSync(at) && path.dirname(at) !== at; at = path.dirname(at)) missing.unshift(at);
  for (const level of missing) {
    try {
      fs.mkdirSync(level, { mode: 0o700 });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // Another process (a worker of the same vault) made it meanwhile.
      if (code === 'EEXIST' && fs.statSync(level).isDirectory()) continue;
      throw new Error(`cannot create ${level} (${code ?? 'error'})`);
    }
  }
  return missing[0];
}

/** Creates `file` empty and 0600 if absent, or tightens it; SQLite then makes its WAL with the same mode. */
export function ensurePrivateFile(file: string): void {
  fs.closeSync(fs.openSync(file, fs.constants.O_CREAT | fs.constants.O_RDWR, 0o600));
  tighten(file, 0o600);
}

function tighten(target: string, mode: number): void {
  const stat = fs.statSync(target);
  if ((stat.mode & 0o777) === mode) return;
  if (typeof process.getuid === 'function' && stat.uid !== process.getuid()) return;
  fs.chmodSync(target, mode);
}
