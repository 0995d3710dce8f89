/**
 * A one-class app packaged in memory, for `EngineHarness.boot({ zip })`: the harness's self-test
 * apps and the message-hook bench's baseline app. The app.json fields they all share are filled in.
 */
import AdmZip = require('adm-zip');

export interface InMemoryApp {
  id: string;
  name: string;
  nameSlug: string;
  /** Who wrote it (app.json's author.name). */
  author: string;
  description: string;
  /** The exported class; its file is `<className>.js`. */
  className: string;
  /** The Apps-Engine interfaces the class implements. */
  implements: string[];
  permissions: string[];
  /** The class file: compiled CommonJS that exports `className`. */
  source: string;
}

export function inMemoryAppZip(app: InMemoryApp): Buffer {
  const appJson = {
    id: app.id,
    version: '0.0.1',
    requiredApiVersion: '^1.38.0',
    iconFile: 'icon.png',
    author: { name: app.author, homepage: 'https://example.invalid', support: 'https://example.invalid' },
    name: app.name,
    nameSlug: app.nameSlug,
    classFile: `${app.className}.js`,
    description: app.description,
    implements: app.implements,
    permissions: app.permissions.map((name) => ({ name })),
  };
  const zip = new AdmZip();
  zip.addFile('app.json', Buffer.from(JSON.stringify(appJson)));
  zip.addFile(`${app.className}.js`, Buffer.from(app.source));
  return zip.toBuffer();
}
