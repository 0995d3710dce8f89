import { runCli } from './cli/commands';

/** `npm run vault:cli -- <command>`: admin commands on the vault's storage. runCli never rejects. */
void runCli(process.argv.slice(2), process.env, {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
}).then((code) => process.exit(code));
