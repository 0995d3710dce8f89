'use strict';
// The same compact JWE the vault's Tokenizer makes (A256KW + A256GCM, protected header as AAD),
// done directly with node's crypto: the floor the vault's tokenizer is compared against.
const crypto = require('node:crypto');

// RFC 3394 default initial value; node's id-aes256-wrap takes it as the IV.
const KW_IV = Buffer.from('a6a6a6a6a6a6a6a6', 'hex');

function encrypt(kek, header, plaintext) {
  const protectedHeader = Buffer.from(JSON.stringify(header), 'utf8').toString('base64url');
  const cek = crypto.randomBytes(32);
  const iv = crypto.randomBytes(12);
  const wrap = crypto.createCipheriv('id-aes256-wrap', kek, KW_IV);
  const encryptedKey = Buffer.concat([wrap.update(cek), wrap.final()]);
  const gcm = crypto.createCipheriv('aes-256-gcm', cek, iv);
  gcm.setAAD(Buffer.from(protectedHeader, 'ascii'));
  const ciphertext = Buffer.concat([gcm.update(plaintext), gcm.final()]);
  return [
    protectedHeader,
    encryptedKey.toString('base64url'),
    iv.toString('base64url'),
    ciphertext.toString('base64url'),
    gcm.getAuthTag().toString('base64url'),
  ].join('.');
}

function decrypt(kek, token) {
  const [protectedHeader, encryptedKey, iv, ciphertext, tag] = token.split('.');
  const header = JSON.parse(Buffer.from(protectedHeader, 'base64url').toString('utf8'));
  if (header.alg !== 'A256KW' || header.enc !== 'A256GCM') throw new Error('unexpected algorithms');
  const unwrap = crypto.createDecipheriv('id-aes256-wrap', kek, KW_IV);
  const cek = Buffer.concat([unwrap.update(Buffer.from(encryptedKey, 'base64url')), unwrap.final()]);
  // authTagLength: node would otherwise take a truncated tag as a valid shorter one.
  const gcm = crypto.createDecipheriv('aes-256-gcm', cek, Buffer.from(iv, 'base64url'), { authTagLength: 16 });
  gcm.setAAD(Buffer.from(protectedHeader, 'ascii'));
  gcm.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([gcm.update(Buffer.from(ciphertext, 'base64url')), gcm.final()]);
}

module.exports = { encrypt, decrypt };
