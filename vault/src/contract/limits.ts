/**
 * The API's limits and id rules: the vault's request schemas are built from them and the app's
 * catalog check applies them, so a form one side accepts the other accepts too.
 * Written for TypeScript 4.9 and lib es2017 (the app's packager), with no Node or DOM APIs.
 */

export const LIMITS = {
  /** Room, agent and other opaque ids the app passes through. */
  opaqueId: 128,
  formId: 64,
  fieldId: 64,
  /** A site's id (`vault:cli site add <siteId>`); the app sends it as X-Vault-Site-Id. */
  siteId: 64,
  /** Longer than any API key the vault makes (64 characters): more is a paste gone wrong. */
  apiKey: 256,
  title: 200,
  label: 200,
  hint: 300,
  optionText: 200,
  options: 100,
  fields: 50,
  /** Characters of a field pattern. */
  pattern: 200,
  /** No value may be longer than this, whatever the form says; also the top of minLength and maxLength. */
  value: 1000,
  idvLabel: 64,
  idvPositions: 4,
  idvMaxPosition: 64,
  visitorToken: 256,
  locale: 35,
  callbackUrl: 2048,
  otk: 256,
  /** Relay parameters per send (amount, currency, …). */
  relayParams: 16,
  relayParamValue: 64,
  /** A manager's reason to view values, spaces folded: it goes into the audit trail. */
  managerReasonMin: 3,
  managerReasonMax: 500,
  /** Requests in one room listing (the newest), so no room makes a listing stall the vault. */
  roomList: 500,
} as const;

/** minLength may be 0 (no minimum); maxLength must allow at least one character. */
export const LENGTH_RANGES = {
  minLength: { min: 0, max: LIMITS.value },
  maxLength: { min: 1, max: LIMITS.value },
} as const;

/** JSON Schema `pattern` strings (they run in JavaScript, are anchored and have no nested quantifier). */
export const ID_PATTERNS = {
  form: `^[A-Za-z0-9][A-Za-z0-9._-]{0,${LIMITS.formId - 1}}$`,
  site: `^[A-Za-z0-9][A-Za-z0-9._-]{0,${LIMITS.siteId - 1}}$`,
  field: `^[A-Za-z][A-Za-z0-9_-]{0,${LIMITS.fieldId - 1}}$`,
  /** Any printable text: no C0 control character, no DEL, no unpaired surrogate (Ajv matches in Unicode mode). */
  opaque: '^[^\\u0000-\\u001f\\u007f\\ud800-\\udfff]+$',
  /** The same for a visitor's token, which may be empty (a visitor the app could not name). */
  visitorToken: '^[^\\u0000-\\u001f\\u007f\\ud800-\\udfff]*$',
  locale: '^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$',
  /**
   * http(s) in any case (URL schemes are case-insensitive), and no space, control character or
   * unpaired surrogate anywhere (stored, one would come back as U+FFFD).
   */
  callbackUrl: '^[Hh][Tt][Tt][Pp][Ss]?://[^\\u0000-\\u0020\\u007f\\ud800-\\udfff]+$',
  /** A payment-processor relay the vault's admin configured (`vault:cli relay set`). */
  relay: '^[a-z][a-z0-9_-]{0,39}$',
  relayParamName: '^[A-Za-z][A-Za-z0-9_]{0,31}$',
  /** Relay parameters are plain words and numbers (isRelayParamValue also refuses card-like digit runs). */
  relayParamValue: `^[A-Za-z0-9 ._:-]{0,${LIMITS.relayParamValue}}$`,
} as const;

/**
 * Texts shown to people (titles, labels, hints, options): tab and newline allowed, other C0 controls
 * not, nor an unpaired surrogate (the page would show U+FFFD). Unicode mode, as Ajv matches.
 */
export const TEXT_PATTERN = '^[^\\u0000-\\u0008\\u000b-\\u001f\\ud800-\\udfff]*$';
/** …and not blank. */
export const NOT_BLANK_PATTERN = '\\S';
/**
 * One line of plain text, the rule for a visitor's value and for a name the visitor reads (an ID&V
 * secret's name): no C0 control but tab, no DEL or C1 control, no line or paragraph separator
 * (U+2028, U+2029: a line break to many readers), no bidi embedding, override or isolate (they
 * change how a text reads, not what it says), no unpaired surrogate (stored, it would come back as
 * U+FFFD). Unicode mode, as Ajv matches.
 */
export const PLAIN_LINE_PATTERN =
  '^[^\\u0000-\\u0008\\u000a-\\u001f\\u007f-\\u009f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069\\ud800-\\udfff]*$';
/**
 * Something a person can see: not only spaces, controls, format characters (zero-width, bidi
 * marks), combining marks (nothing to sit on), private-use characters and noncharacters (no font
 * of the page draws them) and the letters and symbols drawn blank (Hangul fillers, the blank
 * braille pattern). Unicode mode; properties stable across Unicode versions, so every side agrees.
 */
export const VISIBLE_PATTERN =
  '[^\\p{Z}\\p{Cc}\\p{Cf}\\p{M}\\p{Co}\\p{Noncharacter_Code_Point}\\s\\u115f\\u1160\\u2800\\u3164\\uffa0]';

/**
 * An address a visitor's browser opens (the vault's public URL, the app's Vault URL, the links the
 * vault answers with): http(s), a host without a user or password (every visitor would read them in
 * their link), a bracketed IPv6 address closed, a port of digits (isLinkUrl checks its range), and
 * no space, query or fragment (a path put after one would not be a path). A regular expression, not
 * URL: the app's runtime may not have one.
 */
const LINK_URL = /^https?:\/\/(?:\[[0-9a-f.]*:[0-9a-f.:]*\]|[^\s/?#@[\]:]+)(?::(\d{1,5}))?(\/[^\s?#]*)?$/i;

const FORM_ID = new RegExp(ID_PATTERNS.form);
const SITE_ID = new RegExp(ID_PATTERNS.site);
const FIELD_ID = new RegExp(ID_PATTERNS.field);
const RELAY_ID = new RegExp(ID_PATTERNS.relay);
const RELAY_PARAM_NAME = new RegExp(ID_PATTERNS.relayParamName);
const RELAY_PARAM_VALUE = new RegExp(ID_PATTERNS.relayParamValue);
const TEXT = new RegExp(TEXT_PATTERN, 'u');
const NOT_BLANK = new RegExp(NOT_BLANK_PATTERN);
const PLAIN_LINE = new RegExp(PLAIN_LINE_PATTERN, 'u');
const VISIBLE = new RegExp(VISIBLE_PATTERN, 'u');

export function isFormId(value: unknown): value is string {
  return typeof value === 'string' && FORM_ID.test(value);
}

export function isSiteId(value: unknown): value is string {
  return typeof value === 'string' && SITE_ID.test(value);
}

export function isFieldId(value: unknown): value is string {
  return typeof value === 'string' && FIELD_ID.test(value);
}

export function isRelayId(value: unknown): value is string {
  return typeof value === 'string' && RELAY_ID.test(value);
}

export function isRelayParamName(value: unknown): value is string {
  return typeof value === 'string' && RELAY_PARAM_NAME.test(value);
}

/** A run of 12 or more digits of any script, whatever separates them: what a card number looks like. */
const CARD_LIKE_RUN = '(?:\\p{Nd}[ ._:-]*){12,}';
const CARD_LIKE = new RegExp(CARD_LIKE_RUN, 'u');
const CARD_LIKE_RUNS = new RegExp(CARD_LIKE_RUN, 'gu');

/** Whether a text holds a run of digits shaped like a card number (CARD_LIKE_RUN). */
export function holdsCardLikeRun(value: string): boolean {
  return CARD_LIKE.test(value);
}

/** The text with each digit of every card-like run hidden: what may be kept where card data never is. */
export function hideCardLikeRuns(value: string): string {
  return value.replace(CARD_LIKE_RUNS, (run) => run.replace(/\p{Nd}/gu, '•'));
}

/**
 * Plain words and numbers, and never anything shaped like a card number: a parameter is typed by
 * an agent and travels in Rocket.Chat's job data, where card data must never be.
 */
export function isRelayParamValue(value: unknown): value is string {
  return typeof value === 'string' && RELAY_PARAM_VALUE.test(value) && !holdsCardLikeRun(value);
}

/** Length in Unicode code points: "😀" is one character, as people (and JSON Schema) count. */
export function codePointLength(value: string): number {
  let count = 0;
  for (let i = 0; i < value.length; i += 1) {
    const unit = value.charCodeAt(i);
    // A high surrogate followed by a low one is one code point.
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < value.length) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i += 1;
    }
    count += 1;
  }
  return count;
}

/** A text of 1 to `max` characters, not blank, without control characters other than tab and newline. */
export function isText(value: unknown, max: number): value is string {
  return typeof value === 'string' && codePointLength(value) <= max && NOT_BLANK.test(value) && TEXT.test(value);
}

/** Whether a text holds a character PLAIN_LINE_PATTERN refuses. */
export function holdsForbiddenCharacter(value: string): boolean {
  return !PLAIN_LINE.test(value);
}

/** Whether a text shows something: VISIBLE_PATTERN. */
export function isVisible(value: string): boolean {
  return VISIBLE.test(value);
}

export function isLinkUrl(value: unknown): value is string {
  const match = typeof value === 'string' ? LINK_URL.exec(value) : null;
  // A port given must be one a browser can open; none is the scheme's own.
  return match !== null && (match[1] === undefined || (Number(match[1]) >= 1 && Number(match[1]) <= 65535));
}

/** A whole number within one of LENGTH_RANGES. */
export function isLength(value: unknown, range: { min: number; max: number }): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= range.min && value <= range.max;
}
