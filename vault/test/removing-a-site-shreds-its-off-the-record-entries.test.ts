/**
 * Off-the-record entries (CVV, fields marked so, ID&V answers) are sealed under a key derived from
 * their site's key, not one vault-wide key: `site remove` deletes the site's keys, and with them
 * every entry it left in memory or Redis becomes unreadable at once, before its TTL.
 */
import { MasterKey } from '../src/crypto/master-key';
import { SealedBox } from '../src/crypto/sealed-box';
import { ephemeralKey } from '../src/service/request-spec';
import { reveal, startTestVault, type TestVault, submitCard } from './helpers/vault';

describe('off-the-record entries are sealed per site', () => {
  let vault: TestVault;

  beforeEach(async () => {
    vault = await startTestVault();
  });
  afterEach(() => vault.close());

  it('after site remove, no key the vault holds opens the entry, though it has not expired', async () => {
    const requestId = await submitCard(vault, { cvv: '731' });
    const { ephemeral, sites, requests } = vault.app.vault;
    const name = ephemeralKey(requestId);
    const sealed = (await ephemeral.get(name))!;
    // The plaintext would hold `"cvv":"731"`; the bare digits could turn up by chance in the kid (a UUID).
    expect(sealed.includes('"731"')).toBe(false);

    expect(await sites.removeSite(vault.site.siteId, 'test')).toBe(true);
    expect(await ephemeral.get(name)).toBeDefined();
    // Not with a key derived from the master key (what every instance holds)…
    const vaultWide = new SealedBox(
      new MasterKey(Buffer.from(vault.config.masterKey!, 'base64')).derive('ephemeral-v1'),
    );
    expect(() => vaultWide.open(name, sealed)).toThrow();
    // …and not through the vault's own read path: the site's keys are gone.
    expect(await requests.readEphemeral({ requestId, siteId: vault.site.siteId })).toEqual({});
  });

  it('an entry sealed before a key rotation still opens after it', async () => {
    const requestId = await submitCard(vault, { cvv: '731' });
    await vault.app.vault.sites.rotateKey(vault.site.siteId, 'test');
    expect((await reveal(vault, requestId)).json()).toMatchObject({ values: { cvv: '731' }, expired: [] });
  });

  it("another site's key does not open the entry", async () => {
    const requestId = await submitCard(vault, { cvv: '731' });
    const other = await vault.addSite('site-b');
    const { requests } = vault.app.vault;
    expect(await requests.readEphemeral({ requestId, siteId: other.siteId })).toEqual({});
  });
});
