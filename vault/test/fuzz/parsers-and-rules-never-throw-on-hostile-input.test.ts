/**
 * Property-based fuzzing of the pure parsers and rules a stranger's input reaches: the page's
 * urlencoded field reader, the field rules, OTK shape checks, callback path comparison and the
 * JWE parser. Each must answer (a value, an error code, a refusal) and never throw or hang.
 */
import fc from 'fast-check';
import { FIELD_TYPES, type VisitorFieldView } from '../../src/contract';
import { Tokenizer, TokenizeError } from '../../src/crypto/tokenizer';
import { looksLikeOtk } from '../../src/otk/otk';
import { VaultError } from '../../src/errors';
import { readFormValues } from '../../src/pages/form-values';
import { isUnderOrigin } from '../../src/service/sites';
import { FIELD_ERROR_CODES, normalizeValue, validateValues } from '../../src/contract/field-rules';
import { fuzz, hostileText } from './fuzz-settings';

const fieldId = fc.stringMatching(/^[a-z][a-z0-9_]{0,15}$/);

const field: fc.Arbitrary<VisitorFieldView> = fc.record(
  {
    id: fieldId,
    label: fc.string({ maxLength: 20 }),
    type: fc.constantFrom(...FIELD_TYPES),
    required: fc.boolean(),
    masked: fc.boolean(),
    offTheRecord: fc.boolean(),
    options: fc.array(fc.record({ value: fc.string({ maxLength: 10 }), label: fc.string({ maxLength: 10 }) }), {
      minLength: 1,
      maxLength: 4,
    }),
    minLength: fc.nat(50),
    maxLength: fc.nat(200),
    // Linear-time patterns only: the pattern engine itself is the contract's concern (issue 11 item 1).
    pattern: fc.constantFrom('[0-9]+', '[A-Z]{2}[0-9]{4}', '.*', 'a|b|c'),
  },
  { requiredKeys: ['id', 'label', 'type', 'required', 'masked', 'offTheRecord'] },
);

describe('fuzz: parsers and rules', () => {
  it('readFormValues keeps exactly the v.<id> text entries, or refuses the body with a clear 400', () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.oneof(
            hostileText,
            hostileText.map((t) => `v.${t}`),
            fc.constant('action'),
          ),
          fc.oneof(fc.string(), fc.anything()),
        ),
        (body) => {
          // An entry sent twice arrives as an array: refused whatever its name, the page's action too.
          const clean = Object.entries(body).every(
            ([name, value]) => typeof value === 'string' && (name.startsWith('v.') || name === 'action'),
          );
          if (!clean) {
            expect(() => readFormValues(body)).toThrow(VaultError);
            return;
          }
          const values = readFormValues(body);
          for (const [id, value] of Object.entries(values)) {
            expect(body[`v.${id}`]).toBe(value);
          }
          expect(Object.keys(values)).toHaveLength(Object.keys(body).filter((name) => name.startsWith('v.')).length);
          expect(Object.getPrototypeOf(values)).toBe(Object.prototype);
        },
      ),
      fuzz(),
    );
    for (const body of [null, undefined, 'text', 42, [], ['v.x']]) expect(readFormValues(body)).toEqual({});
  });

  it('validateValues returns known error codes, only for fields and sent keys, and never throws', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(field, { selector: (f) => f.id, maxLength: 6 }),
        fc.dictionary(fc.oneof(fieldId, hostileText), fc.oneof(hostileText, fc.string({ maxLength: 1200 }))),
        fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }),
        (fields, values, now) => {
          const errors = validateValues(fields, values, now);
          const ids = new Set(fields.map((f) => f.id));
          for (const [key, error] of Object.entries(errors)) {
            expect(ids.has(key) || Object.prototype.hasOwnProperty.call(values, key)).toBe(true);
            expect(FIELD_ERROR_CODES).toContain(error.code);
          }
          // What passes is what gets stored: normalizing it again changes nothing.
          for (const f of fields) {
            const raw = values[f.id];
            if (raw !== undefined && !errors[f.id] && Object.prototype.hasOwnProperty.call(values, f.id)) {
              const once = normalizeValue(f, raw);
              expect(normalizeValue(f, once)).toBe(once);
            }
          }
        },
      ),
      fuzz(),
    );
  });

  it('looksLikeOtk accepts exactly 43 base64url characters', () => {
    fc.assert(
      fc.property(hostileText, (text) => {
        expect(looksLikeOtk(text)).toBe(/^[A-Za-z0-9_-]{43}$/.test(text));
      }),
      fuzz(),
    );
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9_-]{43}$/), (otk) => expect(looksLikeOtk(otk)).toBe(true)),
      fuzz(),
    );
  });

  it('isUnderOrigin never throws, and what it accepts stays under the base path once decoded', () => {
    const segment = fc.oneof(
      fc.constantFrom('rc', 'api', '..', '.', '%2e%2e', '%2E%2E%2Fadmin', '%2f', '%5c', '%00', '%zz', 'a%20b', ''),
      fc.stringMatching(/^[a-zA-Z0-9%._~-]{0,8}$/),
    );
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 6 }), fc.constantFrom('', '?x=1', '#f'), (segments, tail) => {
        const url = `http://chat.test/${segments.join('/')}${tail}`;
        const accepted = isUnderOrigin(url, 'http://chat.test/rc');
        if (accepted) {
          const parsed = new URL(url);
          const decoded = parsed.pathname.split('/').map((s) => decodeURIComponent(s));
          expect(decoded[1]).toBe('rc');
          expect(decoded.slice(1).some((s) => s === '..' || s === '.' || s.includes('/') || s.includes('\\'))).toBe(
            false,
          );
        }
      }),
      fuzz(),
    );
    fc.assert(
      fc.property(hostileText, hostileText, (a, b) => {
        expect(typeof isUnderOrigin(a, b)).toBe('boolean');
      }),
      fuzz(),
    );
  });

  it('the JWE parser refuses any garbage or altered token with a TokenizeError, never a crash or a plaintext', async () => {
    const tokenizer = new Tokenizer();
    const siteKey = Buffer.alloc(32, 7);
    const binding = { siteId: 'site-a', recordId: 'record-1' };
    const token = await tokenizer.encrypt(binding, 'kid-1', siteKey, Buffer.from('{"pan":"4111111111111111"}'));
    const keyFor = async (kid: string) => (kid === 'kid-1' ? siteKey : undefined);
    const garbage = fc.oneof(
      hostileText,
      fc.array(fc.base64String({ maxLength: 40 }), { minLength: 5, maxLength: 5 }).map((parts) => parts.join('.')),
      fc
        .tuple(fc.nat(token.length - 1), fc.constantFrom(...'ABCxyz019-_.'))
        .map(([at, ch]) => token.slice(0, at) + ch + token.slice(at + 1)),
      fc.nat(token.length - 1).map((at) => token.slice(0, at)),
    );
    await fc.assert(
      fc.asyncProperty(garbage, async (candidate) => {
        if (candidate === token) return;
        try {
          const plaintext = await tokenizer.decrypt(binding, candidate, keyFor);
          // A change the JWE does not cover (base64url padding bits) may still decrypt: to the same value.
          expect(plaintext.toString()).toBe('{"pan":"4111111111111111"}');
        } catch (error) {
          expect(error).toBeInstanceOf(TokenizeError);
        }
      }),
      fuzz(),
    );
  });
});
