/**
 * What the message-hook bench measures, as two lists: which apps listen (configurations) and
 * which messages go through Rocket.Chat's pre-message hooks (messages). Every configuration runs
 * every message. To measure something new, add a line: e.g. this app with masking rules on is
 * `{ name: 'this app, rules on', apps: ['this app'], settings: { <setting id>: <value> } }`.
 */

/** `this app` is the packaged zip; `empty hook app` answers every check with "no" and does nothing else. */
export type AppUnderTest = 'this app' | 'empty hook app';

export interface HookConfiguration {
  name: string;
  /** The apps enabled while this configuration runs (the others are disabled). */
  apps: AppUnderTest[];
  /** Settings of this app (id → value), applied before the run. */
  settings?: Record<string, unknown>;
}

export const CONFIGURATIONS: HookConfiguration[] = [
  { name: 'no app', apps: [] },
  // The engine's floor: what any app with a message hook costs, whatever its code.
  { name: 'empty hook app', apps: ['empty hook app'] },
  { name: 'this app', apps: ['this app'] },
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
}

const CARD = '4111 1111 1111 1111';
const MASKED_CARD = '•••• •••• •••• 1111';

const SHORT = "Hi, I'd like to check on my order from last week, please.";
const MEDIUM =
  'Hello, thanks for getting back to me. I ordered the blue jacket (size M) on the 3rd and paid by card, ' +
  'but the tracking page still says "label created" and nobody has picked it up. My order number is ' +
  'A-20394817 and the phone on the account is +44 20 7946 0958. Could you check whether it shipped, and ' +
  'if not, cancel it and refund me? I need it before the 21st. Thanks a lot for your help!';
/** A long paste (Rocket.Chat's default Message_MaxAllowedSize is 5000): many numbers, no card. */
const LONG = Array.from(
  { length: 18 },
  (_, i) =>
    `Line ${i + 1}: order A-${20394817 + i * 7919} of 2024-0${(i % 9) + 1}-1${i % 10}, ` +
    `2 × item SKU ${100200300 + i} at 19.99, ref ${5550100 + i}, call +1 212 555 01${10 + i}. `,
)
  .join('')
  .padEnd(4000, ' and that is all.');

export const MESSAGES: MessageScenario[] = [
  { name: 'livechat, short', room: 'livechat', hook: 'sent', text: SHORT },
  { name: 'livechat, medium', room: 'livechat', hook: 'sent', text: MEDIUM },
  { name: 'livechat, 4 kB of numbers', room: 'livechat', hook: 'sent', text: LONG },
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
  },
  { name: 'livechat edit, medium', room: 'livechat', hook: 'updated', text: MEDIUM },
  { name: 'channel, short', room: 'channel', hook: 'sent', text: SHORT },
  { name: 'channel, medium', room: 'channel', hook: 'sent', text: MEDIUM },
  { name: 'channel, 4 kB + card', room: 'channel', hook: 'sent', text: `${LONG} Card: ${CARD}` },
];
