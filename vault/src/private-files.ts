import fs from 'node:fs';

/**
 * The data dir holds the database and the dev keys: only the vault's own user may read it.
 * Creates it 0700, and tightens an existing one we own (a chmod we may not do is left to the operator).
 */
export function ensurePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  tighten(dir, 0o700);
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
