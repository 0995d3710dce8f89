/**
 * What the message-hook bench measures, as two lists: which apps listen (configurations) and
 * which messages go through Rocket.Chat's pre-message hooks (messages). Every configuration runs
 * every message. To measure something new, add a line, e.g. a configuration with other settings.
 */

/** `this app` is the packaged zip; `empty hook app` answers every check with "no" and does nothing else. */
export type AppUnderTest = 'this app' | 'empty hook app';

export interface HookConfiguration {
  name: string;
  /** The apps enabled while this configuration runs (the others are disabled). */
  apps: AppUnderTest[];
  /** Settings of this app (id → value), applied before the run. */
  settings?: Record<string, unknown>;
  /** Every masking rule on: the messages' `expectWithRulesOn` apply. */
  rulesOn?: boolean;
}

/** Four rules of the kind admins write (account, member, passport and policy numbers): none is trivial to match. */
export const BENCH_RULES = [
  'account | last4 | both | ACC-\\d{4}-\\d{4}',
  'member | label [member ID] | visitor | M\\d{7}',
  'passport | mask | both | \\b[A-Z]{2}\\d{7}\\b',
  'policy | last4 | both | POL-\\d{3}-\\d{6}',
].join('\n');

/** The masking settings as installed: cards, SSNs and IBANs on, e-mail and phone off, no rules of the admin's. */
const DEFAULTS = { mask_email: false, mask_phone: false, masking_rules: '' };
const RULES_ON = { mask_email: true, mask_phone: true, masking_rules: BENCH_RULES };

export const CONFIGURATIONS: HookConfiguration[] = [
  { name: 'no app', apps: [] },
  // The engine's floor: what any app with a message hook costs, whatever its code.
  { name: 'empty hook app', apps: ['empty hook app'] },
  { name: 'this app', apps: ['this app'], settings: DEFAULTS },
  // Every built-in detector (e-mail and phone too) and four admin rules.
  { name: 'this app, rules on', apps: ['this app'], settings: RULES_ON, rulesOn: true },
];

export type RoomKind = 'livechat' | 'channel';

export interface MessageScenario {
  name: string;
  room: RoomKind;
  /** `sent`: a new message (IPreMessageSent*); `updated`: an edit (IPreMessageUpdated*). */
  hook: 'sent' | 'updated';
  text: string;
  /** What this app must have made of the text (the bench refuses to time a broken path). */
  expectMaskedByThisApp?: string;
  /** …and with every rule on, when that differs. */
  expectWithRulesOn?: string;
}

const CARD = '4111 1111 1111 1111';
const MASKED_CARD = '•••• •••• •••• 1111';

const PHONE = '+44 20 7946 0958';
const MASKED_PHONE = '+•• •• •••• 0958';

const SHORT = "Hi, I'd like to check on my order from last week, please.";
const MEDIUM =
  'Hello, thanks for getting back to me. I ordered the blue jacket (size M) on the 3rd and paid by card, ' +
  'but the tracking page still says "label created" and nobody has picked it up. My order number is ' +
  `A-20394817 and the phone on the account is ${PHONE}. Could you check whether it shipped, and ` +
  'if not, cancel it and refund me? I need it before the 21st. Thanks a lot for your help!';
/** A long paste (Rocket.Chat's default Message_MaxAllowedSize is 5000): many numbers, no card. */
const longPaste = (phone: (digits: string) => string): string =>
  Array.from(
    { length: 18 },
    (_, i) =>
      `Line ${i + 1}: order A-${20394817 + i * 7919} of 2024-0${(i % 9) + 1}-1${i % 10}, ` +
      `2 × item SKU ${100200300 + i} at 19.99, ref ${5550100 + i}, call ${phone(String(10 + i))}. `,
  )
    .join('')
    .padEnd(4000, ' and that is all.');
const LONG = longPaste((last) => `+1 212 555 01${last}`);
/** The same with its phone numbers masked, as the phone detector leaves them. */
const LONG_PHONES_MASKED = longPaste((last) => `+• ••• ••• 01${last}`);
/** A medium message with an account number of the admin's rule. */
const MEDIUM_ACCOUNT = `${MEDIUM} My account is ACC-2039-4817.`;

export const MESSAGES: MessageScenario[] = [
  { name: 'livechat, short', room: 'livechat', hook: 'sent', text: SHORT },
  {
    name: 'livechat, medium',
    room: 'livechat',
    hook: 'sent',
    text: MEDIUM,
    expectWithRulesOn: MEDIUM.replace(PHONE, MASKED_PHONE),
  },
  {
    name: 'livechat, medium + account',
    room: 'livechat',
    hook: 'sent',
    text: MEDIUM_ACCOUNT,
    expectWithRulesOn: MEDIUM_ACCOUNT.replace(PHONE, MASKED_PHONE).replace('ACC-2039-4817', '•••-••••-4817'),
  },
  {
    name: 'livechat, 4 kB of numbers',
    room: 'livechat',
    hook: 'sent',
    text: LONG,
    expectWithRulesOn: LONG_PHONES_MASKED,
  },
  {
    name: 'livechat, short + card',
    room: 'livechat',
    hook: 'sent',
    text: `Sure, it's ${CARD}, expiry 12/30.`,
    expectMaskedByThisApp: `Sure, it's ${MASKED_CARD}, expiry 12/30.`,
  },
  {
    name: 'livechat, 4 kB + card',
    room: 'livechat',
    hook: 'sent',
    text: `${LONG} Card: ${CARD}`,
    expectMaskedByThisApp: `${LONG} Card: ${MASKED_CARD}`,
    expectWithRulesOn: `${LONG_PHONES_MASKED} Card: ${MASKED_CARD}`,
  },
  {
    name: 'livechat edit, medium',
    room: 'livechat',
    hook: 'updated',
    text: MEDIUM,
    expectWithRulesOn: MEDIUM.replace(PHONE, MASKED_PHONE),
  },
  { name: 'channel, short', room: 'channel', hook: 'sent', text: SHORT },
  { name: 'channel, medium', room: 'channel', hook: 'sent', text: MEDIUM },
  { name: 'channel, 4 kB + card', room: 'channel', hook: 'sent', text: `${LONG} Card: ${CARD}` },
];
