/**
 * What the upload check reads of a file: text in UTF-8, UTF-16 with its byte order mark or an old
 * Windows encoding, up to its first MiB; nothing of a binary file. And what it finds there and in
 * the file's name, with the uploader's rules.
 */
import fc from 'fast-check';

import { builtinRules } from '../../src/redaction/rules';
import { checkUploadedFile, MAX_CHECKED_TEXT_BYTES, textOfUpload } from '../../src/redaction/upload-check';
import { parseAdminRules } from '../../src/redaction/admin-rules';

const RULES = builtinRules(['card', 'cvv', 'ssn', 'iban']);
const CARD = '4111 1111 1111 1111';
const none = new Uint8Array();

describe('the text of an uploaded file', () => {
  it('reads UTF-8 with or without a byte order mark, UTF-16 with one, and Windows-1252', () => {
    expect(textOfUpload(Buffer.from('päid 19.99 €'))).toBe('päid 19.99 €');
    expect(textOfUpload(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('hi')]))).toBe('hi');
    expect(textOfUpload(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('hi ü', 'utf16le')]))).toBe('hi ü');
    const utf16be = Buffer.from('hi', 'utf16le').swap16();
    expect(textOfUpload(Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be]))).toBe('hi');
    expect(textOfUpload(Buffer.from([0x4d, 0xfc, 0x6c, 0x6c, 0x65, 0x72, 0x80]))).toBe('Müller€');
    expect(textOfUpload(none)).toBe('');
  });

  it('reads nothing of a file with a NUL byte, as every picture, PDF and archive has', () => {
    expect(textOfUpload(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x34, 0x31]))).toBeUndefined();
    expect(textOfUpload(Buffer.from('PK\u0003\u0004\u0000\u0000' + CARD, 'latin1'))).toBeUndefined();
    // UTF-16 without its mark reads as NUL-laden bytes: not read.
    expect(textOfUpload(Buffer.from(CARD, 'utf16le'))).toBeUndefined();
  });

  it('reads the first MiB of a long file, keeping back a character the limit cuts', () => {
    const long = Buffer.from('é'.repeat(MAX_CHECKED_TEXT_BYTES));
    const text = textOfUpload(long) as string;
    expect(text.length).toBe(MAX_CHECKED_TEXT_BYTES / 2);
    const cut = Buffer.concat([Buffer.alloc(MAX_CHECKED_TEXT_BYTES - 1, 0x61), Buffer.from('é')]);
    expect(textOfUpload(cut)).toBe('a'.repeat(MAX_CHECKED_TEXT_BYTES - 1));
  });

  it('decodes any bytes without a NUL to some text, and never throws', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const text = textOfUpload(bytes);
        if (
          bytes.indexOf(0) < 0 &&
          !(bytes[0] === 0xff && bytes[1] === 0xfe) &&
          !(bytes[0] === 0xfe && bytes[1] === 0xff)
        ) {
          expect(typeof text).toBe('string');
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('what the check finds', () => {
  it('finds in the name and in the text, in rule order, each rule once', () => {
    expect(checkUploadedFile(`${CARD}.png`, none, RULES, 'visitor').found).toEqual(['card']);
    const text = Buffer.from(`ssn 123-45-6789, then card ${CARD}\nand 5555 5555 5555 4444`);
    expect(checkUploadedFile('a.txt', text, RULES, 'visitor')).toEqual({ found: ['card', 'ssn'], unfinished: [] });
    expect(checkUploadedFile('a.txt', Buffer.from('order 12345 on 2024-12-03'), RULES, 'visitor').found).toEqual([]);
  });

  it("does not read a binary file's bytes, and reads past the first MiB nothing", () => {
    const binary = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00]), Buffer.from(CARD)]);
    expect(checkUploadedFile('scan.png', binary, RULES, 'visitor').found).toEqual([]);
    const late = Buffer.concat([Buffer.alloc(MAX_CHECKED_TEXT_BYTES, 0x20), Buffer.from(CARD)]);
    expect(checkUploadedFile('log.txt', late, RULES, 'visitor').found).toEqual([]);
    const early = Buffer.concat([Buffer.from(CARD), Buffer.alloc(MAX_CHECKED_TEXT_BYTES, 0x20)]);
    expect(checkUploadedFile('log.txt', early, RULES, 'visitor').found).toEqual(['card']);
  });

  it("applies the admin's rules by the uploader's direction", () => {
    const { rules } = parseAdminRules('member | mask | visitor | M\\d{7}');
    const file = Buffer.from('member M1234567');
    expect(checkUploadedFile('m.txt', file, rules, 'visitor').found).toEqual(['member']);
    expect(checkUploadedFile('m.txt', file, rules, 'agent').found).toEqual([]);
  });
});
