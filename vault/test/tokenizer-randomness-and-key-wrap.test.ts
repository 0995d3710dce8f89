import nodeCrypto from 'node:crypto';
import jose from 'node-jose';
import { freshContentKey } from '../src/crypto/content-key';
import { randomBytesFromPool } from '../src/crypto/random-pool';
import { unwrapKey, wrapKey } from '../src/crypto/key-wrap';
import { Tokenizer } from '../src/crypto/tokenizer';

/** node-jose's bundled node-forge PRNG, which it would otherwise draw content keys and IVs from. */
interface ForgeRandom {
  random: { getBytes(count: number): string };
}
/** node-jose's own RFC 3394 implementation, the reference the vault's key wrap must match. */
interface JoseAesKw {
  A256KW: {
    encrypt(key: Buffer, data: Buffer): Promise<{ data: Buffer }>;
    decrypt(key: Buffer, data: Buffer): Promise<Buffer>;
  };
}

const forge = jest.requireActual<ForgeRandom>('node-forge/lib/forge');
const joseAesKw = jest.requireActual<JoseAesKw>('node-jose/lib/algorithms/aes-kw.js');

const binding = { siteId: 'site-a', recordId: 'record-1' };
const siteKey = nodeCrypto.randomBytes(32);
const keyFor = async (): Promise<Buffer> => siteKey;
const PLAINTEXT = Buffer.from('{"pan":"4111111111111111","exp":"12/29"}');

function parts(token: string): { header: string; encryptedKey: Buffer; iv: Buffer; ciphertext: Buffer; tag: Buffer } {
  const [header, encryptedKey, iv, ciphertext, tag] = token.split('.');
  const bytes = (part: string) => Buffer.from(part, 'base64url');
  return { header, encryptedKey: bytes(encryptedKey), iv: bytes(iv), ciphertext: bytes(ciphertext), tag: bytes(tag) };
}

afterEach(() => jest.restoreAllMocks());

describe("the tokenizer draws its content keys and IVs from node's CSPRNG", () => {
  it("takes the content key and IV from node:crypto's CSPRNG (through the vault's pool), never from node-forge's PRNG", async () => {
    const tokenizer = new Tokenizer();
    const forgeCalls = jest.spyOn(forge.random, 'getBytes');
    // Control: node-jose left to itself does use forge's PRNG, so the spy above can see it.
    const jwk = await jose.JWK.asKey({ kty: 'oct', k: siteKey.toString('base64url'), alg: 'A256KW' });
    await jose.JWE.createEncrypt({ format: 'compact', contentAlg: 'A256GCM' }, jwk).update(PLAINTEXT).final();
    expect(forgeCalls).toHaveBeenCalled();
    forgeCalls.mockClear();

    // Every page the pool fills from here is recorded (a copy: the pool zeroes what it hands out).
    const drawn: Buffer[] = [];
    const fill = nodeCrypto.randomFillSync;
    const randomFillSync = jest.spyOn(nodeCrypto, 'randomFillSync').mockImplementation(((buffer: Buffer) => {
      fill(buffer);
      drawn.push(Buffer.from(buffer));
      return buffer;
    }) as typeof nodeCrypto.randomFillSync);
    // More than a page of draws: whatever the pool held before the spy is used up.
    for (let i = 0; i < 129; i += 1) randomBytesFromPool(32);
    const token = await tokenizer.encrypt(binding, 'kid-1', siteKey, PLAINTEXT);
    randomFillSync.mockRestore();

    expect(forgeCalls).not.toHaveBeenCalled();
    const jwe = parts(token);
    // The content key the token wraps (unwrapped here by hand, RFC 3394) and its IV both came
    // out of node's CSPRNG during this encrypt…
    const unwrap = nodeCrypto.createDecipheriv('id-aes256-wrap', siteKey, Buffer.from('a6a6a6a6a6a6a6a6', 'hex'));
    const cek = Buffer.concat([unwrap.update(jwe.encryptedKey), unwrap.final()]);
    expect(cek).toHaveLength(32);
    expect(jwe.iv).toHaveLength(12);
    const cameFromNodeCrypto = (bytes: Buffer) => drawn.some((draw) => draw.includes(bytes));
    expect(cameFromNodeCrypto(cek)).toBe(true);
    expect(cameFromNodeCrypto(jwe.iv)).toBe(true);
    // …and that key really encrypted the content.
    const decipher = nodeCrypto.createDecipheriv('aes-256-gcm', cek, jwe.iv);
    decipher.setAAD(Buffer.from(jwe.header, 'ascii'));
    decipher.setAuthTag(jwe.tag);
    expect(Buffer.concat([decipher.update(jwe.ciphertext), decipher.final()]).equals(PLAINTEXT)).toBe(true);
  });

  it('gives every token its own content key and IV: the same plaintext never encrypts the same way', async () => {
    const tokenizer = new Tokenizer();
    const tokens = await Promise.all(
      Array.from({ length: 50 }, () => tokenizer.encrypt(binding, 'kid-1', siteKey, PLAINTEXT)),
    );
    for (const field of ['encryptedKey', 'iv', 'ciphertext', 'tag'] as const) {
      expect(new Set(tokens.map((t) => parts(t)[field].toString('hex'))).size).toBe(tokens.length);
    }
    for (const token of tokens) expect((await tokenizer.decrypt(binding, token, keyFor)).equals(PLAINTEXT)).toBe(true);
  });

  it('freshContentKey gives a 256-bit key and a 96-bit IV, different each time', () => {
    const a = freshContentKey();
    const b = freshContentKey();
    expect(a.cek).toHaveLength(32);
    expect(a.iv).toHaveLength(12);
    expect(a.cek.equals(b.cek)).toBe(false);
    expect(a.iv.equals(b.iv)).toBe(false);
  });
});

describe("the vault's AES key wrap computes exactly RFC 3394, as node-jose's own code does", () => {
  it('matches the RFC 3394 §4.6 test vector (256-bit KEK, 256-bit key data)', () => {
    const kek = Buffer.from('000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F', 'hex');
    const keyData = Buffer.from('00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F', 'hex');
    const expected = '28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21';
    expect(wrapKey(kek, keyData).toString('hex').toUpperCase()).toBe(expected);
    expect(unwrapKey(kek, Buffer.from(expected, 'hex')).equals(keyData)).toBe(true);
  });

  it("is byte-identical to node-jose's own A256KW, both ways, on random keys", async () => {
    for (let i = 0; i < 20; i += 1) {
      const kek = nodeCrypto.randomBytes(32);
      const cek = nodeCrypto.randomBytes(32);
      const ours = wrapKey(kek, cek);
      const theirs = (await joseAesKw.A256KW.encrypt(kek, cek)).data;
      expect(ours.equals(theirs)).toBe(true);
      expect((await joseAesKw.A256KW.decrypt(kek, ours)).equals(cek)).toBe(true);
      expect(unwrapKey(kek, theirs).equals(cek)).toBe(true);
    }
  });

  it('refuses to unwrap under another key or after tampering, and refuses bad sizes', () => {
    const kek = nodeCrypto.randomBytes(32);
    const wrapped = wrapKey(kek, nodeCrypto.randomBytes(32));
    expect(() => unwrapKey(nodeCrypto.randomBytes(32), wrapped)).toThrow('decryption failed');
    const tampered = Buffer.from(wrapped);
    tampered[10] ^= 0x01;
    expect(() => unwrapKey(kek, tampered)).toThrow('decryption failed');
    expect(() => wrapKey(nodeCrypto.randomBytes(16), nodeCrypto.randomBytes(32))).toThrow('invalid key size');
    expect(() => wrapKey(kek, nodeCrypto.randomBytes(20))).toThrow('invalid data length');
    expect(() => unwrapKey(kek, wrapped.subarray(0, 20))).toThrow('invalid data length');
  });
});
