/**
 * Which Node.js the project runs on is said in several places; they agree: the container image
 * is built and run on the current LTS (24), both packages accept 20.12 and later (for crypto.hash; 20 and 24 are
 * tested), and the README and the admin guide name the same lines.
 */
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..');
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');

describe('supported Node.js versions', () => {
  it('the Dockerfile builds and runs on Node 24, the current LTS', () => {
    const images = [...read('vault/Dockerfile').matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]);
    expect(images.length).toBeGreaterThan(0);
    for (const image of images) expect(image).toMatch(/^node:24-/);
  });

  it('both packages accept Node 20.12 and later, with no upper bound', () => {
    for (const file of ['package.json', 'vault/package.json']) {
      const { engines } = JSON.parse(read(file)) as { engines: { node: string } };
      expect([file, engines.node]).toEqual([file, '>=20.12']);
    }
  });

  it('the README and the admin guide name the same versions', () => {
    for (const file of ['README.md', 'docs/admin-guide.md']) {
      const text = read(file).replace(/\s+/g, ' ');
      expect([file, /Node\.js 24 \(the current LTS\) or 22; 20\.12\+ still works/.test(text)]).toEqual([file, true]);
      expect([file, /[Tt]ested here on Node 20 .*and Node 24/.test(text)]).toEqual([file, true]);
    }
  });
});
