/**
 * The tokenizer frames compact JWEs itself (compact-jwe.ts) on node's own crypto. They
 * must stay real JWEs: node-jose's own JWE layer reads ours, ours reads node-jose's (every token
 * stored before the change was made by node-jose), and the strict parser refuses every shape off
 * the one the vault makes before any key is used.
 */
import { randomBytes } from 'node:crypto';
import jose from 'node-jose';
import { Tokenizer, TokenizeError, type TokenizeFailure } from '../src/crypto/tokenizer';

const binding = { siteId: 'site-a', recordId: '6f1c1b1e-2f6e-4b9a-9d51-0c2e5a1f7a10' };
const siteKey = randomBytes(32);
const keyFor = async (): Promise<Buffer> => siteKey;
const PLAINTEXT = Buffer.from('{"pan":"4111111111111111","exp":"12/29","name":"Ada Lovelace"}');

async function joseKey(kid = 'kid-1'): Promise<jose.JWK.Key> {
  return jose.JWK.asKey({ kty: 'oct', k: siteKey.toString('base64url'), alg: 'A256KW', kid, use: 'enc' });
}

async function joseToken(fields: Record<string, string>, plaintext = PLAINTEXT): Promise<string> {
  const options = { format: 'compact', contentAlg: 'A256GCM', fields, protect: '*' } as const;
  return (await jose.JWE.createEncrypt(options, await joseKey())
    .update(plaintext)
    .final()) as unknown as string;
}

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

async function refusal(token: string): Promise<TokenizeFailure> {
  try {
    await new Tokenizer().decrypt(binding, token, keyFor);
  } catch (err) {
    if (err instanceof TokenizeError) return err.reason;
    throw err;
  }
  throw new Error('the token was accepted');
}

describe('our compact JWE and node-jose read each other', () => {
  const tokenizer = new Tokenizer();

  it("node-jose's JWE.createDecrypt reads our tokens, with our protected header", async () => {
    for (const plaintext of [PLAINTEXT, Buffer.alloc(0), randomBytes(5000)]) {
      const token = await tokenizer.encrypt(binding, 'kid-1', siteKey, plaintext);
      const decrypter = jose.JWE.createDecrypt(await joseKey(), { algorithms: ['A256KW', 'A256GCM'] });
      const result = await decrypter.decrypt(token);
      expect(result.plaintext.equals(plaintext)).toBe(true);
      expect(result.protected?.sort()).toEqual(['alg', 'enc', 'kid', 'rid', 'sid']);
      expect(result.header).toMatchObject({
        alg: 'A256KW',
        enc: 'A256GCM',
        kid: 'kid-1',
        rid: binding.recordId,
        sid: binding.siteId,
      });
    }
  });

  it("we read node-jose's tokens (as every token stored before this change was made)", async () => {
    const fields = { alg: 'A256KW', enc: 'A256GCM', kid: 'kid-1', rid: binding.recordId, sid: binding.siteId };
    const token = await joseToken(fields);
    expect((await tokenizer.decrypt(binding, token, keyFor)).equals(PLAINTEXT)).toBe(true);
  });

  it("refuses node-jose's tokens that are not bound to the record and site, or use other algorithms", async () => {
    expect(await refusal(await joseToken({ alg: 'A256KW', enc: 'A256GCM', kid: 'kid-1' }))).toBe('binding');
    const otherEnc = await jose.JWE.createEncrypt(
      {
        format: 'compact',
        contentAlg: 'A128CBC-HS256',
        fields: { kid: 'kid-1', rid: binding.recordId, sid: binding.siteId },
        protect: '*',
      },
      await joseKey(),
    )
      .update(PLAINTEXT)
      .final();
    expect(await refusal(otherEnc as unknown as string)).toBe('algorithm');
  });
});

describe('the parser refuses every shape but the one the vault makes, before any key is used', () => {
  let token: string;
  let parts: string[];
  beforeAll(async () => {
    token = await new Tokenizer().encrypt(binding, 'kid-1', siteKey, PLAINTEXT);
    parts = token.split('.');
  });
  const withPart = (index: number, value: string) => parts.map((part, i) => (i === index ? value : part)).join('.');
  const header = (members: Record<string, unknown>) =>
    b64(
      JSON.stringify({
        alg: 'A256KW',
        enc: 'A256GCM',
        kid: 'kid-1',
        rid: binding.recordId,
        sid: binding.siteId,
        ...members,
      }),
    );

  it('exactly five parts', async () => {
    expect(await refusal(parts.slice(0, 4).join('.'))).toBe('format');
    expect(await refusal(`${token}.`)).toBe('format');
    expect(await refusal(`${token}.${parts[4]}`)).toBe('format');
    expect(await refusal('')).toBe('format');
    expect(await refusal(undefined as unknown as string)).toBe('format');
  });

  it('only the allowed header members, in a JSON object', async () => {
    expect(await refusal(withPart(0, header({ zip: 'DEF' })))).toBe('header');
    expect(await refusal(withPart(0, header({ crit: ['exp'] })))).toBe('header');
    expect(await refusal(withPart(0, b64('{"__proto__":{"alg":"A256KW"}}')))).toBe('header');
    expect(await refusal(withPart(0, b64('["A256KW"]')))).toBe('header');
    expect(await refusal(withPart(0, b64('not json')))).toBe('header');
    expect(await refusal(withPart(0, b64(' '.repeat(2000))))).toBe('header');
  });

  it('the exact sizes: 40-byte wrapped key, 96-bit IV, 128-bit tag (a truncated tag is refused)', async () => {
    const bytes = (index: number) => Buffer.from(parts[index], 'base64url');
    expect(await refusal(withPart(1, bytes(1).subarray(0, 32).toString('base64url')))).toBe('format');
    expect(await refusal(withPart(2, randomBytes(16).toString('base64url')))).toBe('format');
    // node's GCM would take the first 12 or 4 bytes of the right tag as a valid (shorter) tag.
    expect(await refusal(withPart(4, bytes(4).subarray(0, 12).toString('base64url')))).toBe('format');
    expect(await refusal(withPart(4, bytes(4).subarray(0, 4).toString('base64url')))).toBe('format');
    expect(await refusal(withPart(3, randomBytes(300 * 1024).toString('base64url')))).toBe('format');
  });

  it('base64url in its one canonical spelling', async () => {
    expect(await refusal(withPart(2, `${parts[2]}==`))).toBe('format');
    expect(await refusal(withPart(3, `${parts[3].slice(0, 4)}+/${parts[3].slice(6)}`))).toBe('format');
    expect(await refusal(withPart(3, `${parts[3]} `))).toBe('format');
    // The 22nd character of a 16-byte part carries 4 unused bits: flipping one spells the same bytes.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const sameBytes = parts[4].slice(0, -1) + alphabet[alphabet.indexOf(parts[4].at(-1) as string) ^ 1];
    expect(Buffer.from(sameBytes, 'base64url').equals(Buffer.from(parts[4], 'base64url'))).toBe(true);
    expect(await refusal(withPart(4, sameBytes))).toBe('format');
  });

  it('a token that parses but was altered fails its integrity check', async () => {
    for (const index of [1, 2, 3, 4]) {
      const part = Buffer.from(parts[index], 'base64url');
      part[0] ^= 0x01;
      expect(await refusal(withPart(index, part.toString('base64url')))).toBe('decrypt');
    }
  });
});
