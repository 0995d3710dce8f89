import fs from 'node:fs';
import { runCli } from './cli/commands';

/** `npm run vault:cli -- <command>`: admin commands on the vault's storage. runCli never rejects. */
void runCli(process.argv.slice(2), process.env, {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  // A secret (a relay's API key) comes on stdin, never on the command line that `ps` shows.
  readSecret: () => fs.readFileSync(0, 'utf8'),
}).then((code) => process.exit(code));
