import { randomBytes } from 'node:crypto';
import jose from 'node-jose';
import Database from 'better-sqlite3';
import { Tokenizer, TokenizeError } from '../src/crypto/tokenizer';
import { MasterKey } from '../src/crypto/master-key';
import { sqlitePath } from '../src/open-vault';
import { cardForm, createAndOpen, futureExpiry, reveal, startTestVault, type TestVault } from './helpers/vault';

const binding = { siteId: 'site-a', recordId: 'record-1' };

describe('the tokenizer', () => {
  const tokenizer = new Tokenizer();
  const key = randomBytes(32);
  const keyFor = async () => key;

  it('makes a compact JWE with A256KW + A256GCM and kid, record and site in the protected header', async () => {
    const token = await tokenizer.encrypt(binding, 'kid-1', key, Buffer.from('{"pan":"4111111111111111"}'));
    expect(token.split('.')).toHaveLength(5);
    const header = JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString());
    expect(header).toEqual({ alg: 'A256KW', enc: 'A256GCM', kid: 'kid-1', rid: 'record-1', sid: 'site-a' });
    expect(token).not.toContain('4111');
    expect((await tokenizer.decrypt(binding, token, keyFor)).toString()).toBe('{"pan":"4111111111111111"}');
  });

  it('refuses a token moved to another record or another site', async () => {
    const token = await tokenizer.encrypt(binding, 'kid-1', key, Buffer.from('secret'));
    await expect(tokenizer.decrypt({ ...binding, recordId: 'record-2' }, token, keyFor)).rejects.toThrow(TokenizeError);
    await expect(tokenizer.decrypt({ ...binding, siteId: 'site-b' }, token, keyFor)).rejects.toThrow(TokenizeError);
  });

  it('refuses a token whose header was rewritten to claim another record (the header is authenticated)', async () => {
    const token = await tokenizer.encrypt(binding, 'kid-1', key, Buffer.from('secret'));
    const parts = token.split('.');
    const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString());
    parts[0] = Buffer.from(JSON.stringify({ ...header, rid: 'record-2' })).toString('base64url');
    await expect(tokenizer.decrypt({ ...binding, recordId: 'record-2' }, parts.join('.'), keyFor)).rejects.toThrow(
      /failed to decrypt/,
    );
  });

  it('refuses tampered ciphertext, tag, IV or wrapped key', async () => {
    const token = await tokenizer.encrypt(binding, 'kid-1', key, Buffer.from('secret value'));
    for (const part of [1, 2, 3, 4]) {
      const parts = token.split('.');
      const bytes = Buffer.from(parts[part], 'base64url');
      bytes[0] ^= 0x01;
      parts[part] = bytes.toString('base64url');
      await expect(tokenizer.decrypt(binding, parts.join('.'), keyFor)).rejects.toThrow(TokenizeError);
    }
  });

  it('refuses other algorithms, even when the key would work', async () => {
    const jwk = await jose.JWK.asKey({ kty: 'oct', k: key.toString('base64url'), kid: 'kid-1' });
    for (const [alg, enc] of [
      ['dir', 'A256GCM'],
      ['A256KW', 'A256CBC-HS512'],
      ['A256GCMKW', 'A256GCM'],
    ]) {
      const fields = { alg, enc, kid: 'kid-1', rid: binding.recordId, sid: binding.siteId };
      const other = await jose.JWE.createEncrypt({ format: 'compact', fields, contentAlg: enc }, {
        key: jwk,
        header: { alg },
      } as unknown as jose.JWK.Key)
        .update(Buffer.from('x'))
        .final();
      await expect(tokenizer.decrypt(binding, other as unknown as string, keyFor)).rejects.toThrow(/not accepted/);
    }
  });

  it('refuses a token when the site key is gone (crypto-shredded)', async () => {
    const token = await tokenizer.encrypt(binding, 'kid-1', key, Buffer.from('secret'));
    await expect(new Tokenizer().decrypt(binding, token, async () => undefined)).rejects.toThrow(/gone/);
  });
});

describe('site keys under the master key', () => {
  it('unwrap only for the same site and kid, and only with the same master key', () => {
    const master = new MasterKey(randomBytes(32));
    const siteKey = randomBytes(32);
    const wrapped = master.wrapSiteKey('site-a', 'kid-1', siteKey);
    expect(master.unwrapSiteKey('site-a', 'kid-1', wrapped).equals(siteKey)).toBe(true);
    expect(() => master.unwrapSiteKey('site-b', 'kid-1', wrapped)).toThrow();
    expect(() => master.unwrapSiteKey('site-a', 'kid-2', wrapped)).toThrow();
    expect(() => new MasterKey(randomBytes(32)).unwrapSiteKey('site-a', 'kid-1', wrapped)).toThrow();
  });
});

describe('tokenized records in the vault', () => {
  let vault: TestVault;
  beforeEach(async () => {
    vault = await startTestVault();
  });
  afterEach(() => vault.close());

  async function submitCard(pan: string, roomId = 'room-1'): Promise<string> {
    const { requestId, submitPath } = await createAndOpen(vault, cardForm({ roomId }));
    const response = await vault.call(
      'POST',
      submitPath,
      { values: { name: 'N', pan, exp: futureExpiry(), cvv: '123' } },
      null,
    );
    expect(response.statusCode).toBe(200);
    return requestId;
  }

  it('a ciphertext copied into another row does not decrypt there', async () => {
    const first = await submitCard('4111111111111111');
    const second = await submitCard('5555555555554444');
    const db = new Database(sqlitePath(vault.config));
    const token = (db.prepare('SELECT token FROM records WHERE request_id = ?').get(first) as { token: string }).token;
    db.prepare('UPDATE records SET token = ? WHERE request_id = ?').run(token, second);
    // The record's own key (kept apart, table record_keys) goes along: the whole JWE is copied.
    const recordOf = (requestId: string) =>
      (db.prepare('SELECT record_id FROM records WHERE request_id = ?').get(requestId) as { record_id: string })
        .record_id;
    const key = db.prepare('SELECT wrapped_key FROM record_keys WHERE record_id = ?').get(recordOf(first)) as {
      wrapped_key: string;
    };
    db.prepare('UPDATE record_keys SET wrapped_key = ? WHERE record_id = ?').run(key.wrapped_key, recordOf(second));
    db.close();
    const shown = await reveal(vault, second);
    expect(shown.statusCode).toBe(500);
    expect(shown.body).not.toContain('4111111111111111');
    expect((await reveal(vault, first)).json().values.pan).toBe('4111111111111111');
  });

  it('a ciphertext moved to another site does not decrypt there', async () => {
    const requestId = await submitCard('4111111111111111');
    const other = await vault.addSite('site-b');
    const db = new Database(sqlitePath(vault.config));
    db.prepare('UPDATE requests SET site_id = ? WHERE request_id = ?').run('site-b', requestId);
    db.prepare('UPDATE records SET site_id = ? WHERE request_id = ?').run('site-b', requestId);
    db.close();
    const minted = await vault.call('POST', `/v1/requests/${requestId}/otk`, { agentId: 'agent-1' }, other.apiKey);
    const shown = await vault.call(
      'POST',
      '/v1/detokenize',
      { otk: minted.json().otk, agentId: 'agent-1' },
      other.apiKey,
    );
    expect(shown.statusCode).toBe(500);
    expect(shown.body).not.toContain('4111111111111111');
  });

  it('rotation: new data uses the new key, old data stays readable', async () => {
    const before = await submitCard('4111111111111111');
    const oldKid = (await vault.app.vault.storage.getRecord(before))!.kid;
    const newKid = await vault.app.vault.sites.rotateKey(vault.site.siteId, 'test');
    expect(newKid).not.toBe(oldKid);
    const after = await submitCard('5555555555554444', 'room-2');
    expect((await vault.app.vault.storage.getRecord(after))!.kid).toBe(newKid);
    expect((await reveal(vault, before)).json().values.pan).toBe('4111111111111111');
    expect((await reveal(vault, after, 'agent-1')).json().values.pan).toBe('5555555555554444');
  });

  it('removing a site crypto-shreds its keys and data', async () => {
    const requestId = await submitCard('4111111111111111');
    expect(await vault.app.vault.sites.removeSite(vault.site.siteId, 'test')).toBe(true);
    const { storage } = vault.app.vault;
    expect(await storage.getActiveSiteKey(vault.site.siteId)).toBeUndefined();
    expect(await storage.getRecord(requestId)).toBeUndefined();
    expect((await vault.call('GET', `/v1/requests/${requestId}`)).statusCode).toBe(401);
  });
});
