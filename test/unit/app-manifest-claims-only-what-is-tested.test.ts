/**
 * app.json claims only what is tested: the Apps-Engine version the integration tests run (the
 * real runtime, `@rocket.chat/apps-engine` in package.json), real author and support URLs, and
 * exactly the permissions the code uses. The engine refuses an accessor whose permission is not
 * granted (the integration tests fail then); this test catches the other way round, a permission
 * declared and never used, which an admin is asked to grant for nothing.
 */
import * as fs from 'fs';
import * as path from 'path';
import { URL } from 'url';

const ROOT = path.resolve(__dirname, '..', '..');
const read = (file: string): string => fs.readFileSync(path.join(ROOT, file), 'utf8');

interface Manifest {
  requiredApiVersion: string;
  author: { name: string; homepage: string; support: string };
  permissions: Array<{ name: string }>;
}
const manifest = JSON.parse(read('app.json')) as Manifest;
const pkg = JSON.parse(read('package.json')) as {
  homepage: string;
  bugs: { url: string };
  devDependencies: Record<string, string>;
};

/** Each permission, and the calls in the app's code that need it (the engine's bridges check these). */
const USES: Record<string, RegExp> = {
  slashcommand: /\.provideSlashCommand\(/,
  'ui.interact': /\.getUiController\(\)/,
  'ui.registerButtons': /\.registerButton\(/,
  api: /\.provideApi\(/,
  networking: /\bhttp\[method\]\(|\bhttp\.(get|post|put|patch|del)\(/,
  persistence: /\bpersis\.(create|update|remove)\w*\(|\.getPersistenceReader\(\)/,
  'message.write': /\.getCreator\(\)|\.getNotifier\(\)|\.getUpdater\(\)/,
  'message.read': /\.getMessageReader\(\)/,
  'room.read': /\.getRoomReader\(\)/,
  'user.read': /\.getUserReader\(\)/,
  'role.read': /\.getRoleReader\(\)/,
  'server-setting.read': /\.getServerSettings\(\)/,
  scheduler: /\.getScheduler\(\)|\.registerProcessors\(/,
  'livechat-room.read': /\.getLivechatReader\(\)/,
  'upload.read': /\.getUploadReader\(\)/,
};
/** Accessor getters that need no permission of their own (the app's own settings, its logger). */
const FREE = new Set(['getEnvironmentReader', 'getSettings', 'getLogger', 'getID', 'getInteractionResponder']);

function appSources(): string {
  const files: string[] = ['IdvSecureFormsApp.ts'];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      const rel = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(rel);
      else if (rel.endsWith('.ts')) files.push(rel);
    }
  };
  walk('src');
  return files.map(read).join('\n');
}

describe('app.json', () => {
  it('requires the Apps-Engine version the tests run, and no older one', () => {
    const engine = (JSON.parse(read('node_modules/@rocket.chat/apps-engine/package.json')) as { version: string })
      .version;
    expect(pkg.devDependencies['@rocket.chat/apps-engine']).toBe(engine);
    expect(manifest.requiredApiVersion).toBe(`^${engine}`);
  });

  it("names the project's real homepage and support address, the ones package.json names", () => {
    expect(manifest.author.homepage).toBe(pkg.homepage);
    expect(manifest.author.support).toBe(pkg.bugs.url);
    for (const url of [manifest.author.homepage, manifest.author.support]) {
      const parsed = new URL(url);
      expect(parsed.protocol).toBe('https:');
      expect(parsed.pathname).toMatch(/[^/]/);
      expect(parsed.hostname).not.toMatch(/(^|\.)(example\.(com|org|net)|example|invalid|localhost)$/);
    }
  });

  it('takes no upload hook, which on the real server checks no visitor file and logs its name', () => {
    // Rocket.Chat's AppListenerBridge hands IPreFileUpload a visitor's upload with neither token nor
    // user; the runtime refuses it before app code runs and logs the upload's details to the console.
    const implemented = (JSON.parse(read('app.json')) as { implements: string[] }).implements;
    expect(implemented).toContain('IPreMessageSentModify');
    expect(implemented.filter((name) => /FileUpload/.test(name))).toEqual([]);
  });

  it('declares exactly the permissions the code uses', () => {
    const code = appSources();
    const used = Object.keys(USES)
      .filter((name) => USES[name].test(code))
      .sort();
    expect(manifest.permissions.map((p) => p.name).sort()).toEqual(used);
  });

  it('knows every accessor the code calls, so no permission goes unnoticed', () => {
    const known = Object.values(USES).map((re) => re.source);
    const getters = new Set(Array.from(appSources().matchAll(/\.(get[A-Z]\w*)\(\)/g), (m) => m[1]));
    const unknown = Array.from(getters).filter(
      (getter) =>
        !FREE.has(getter) &&
        /(Reader|Creator|Updater|Notifier|Controller|Scheduler|Extender|Deleter|Modifier|ServerSettings)$/.test(
          getter,
        ) &&
        !known.some((source) => source.includes(getter)),
    );
    expect(unknown).toEqual([]);
  });
});
