/**
 * The offline form's e-mail, told apart by its subject and masked as a visitor's words (the engine
 * test covers the hook).
 */
import {
  isOfflineFormEmail,
  maskOfflineEmail,
  MAX_OFFLINE_EMAIL_CHARS,
  OFFLINE_EMAIL_SUBJECT_PREFIX,
  offlineEmailLength,
} from '../../src/redaction/offline-email';
import { builtinRules } from '../../src/redaction/rules';

const RULES = builtinRules(['card', 'cvv', 'ssn', 'iban']);
const CARD = '4111 1111 1111 1111';

describe('the offline form e-mail', () => {
  it('is told apart by the subject Rocket.Chat gives it, and no other', () => {
    expect(isOfflineFormEmail({ subject: `${OFFLINE_EMAIL_SUBJECT_PREFIX}Ada: hi` })).toBe(true);
    expect(isOfflineFormEmail({ subject: 'Reset your password' })).toBe(false);
    expect(isOfflineFormEmail({ html: `${OFFLINE_EMAIL_SUBJECT_PREFIX}Ada` })).toBe(false);
    expect(isOfflineFormEmail(undefined)).toBe(false);
  });

  it('has a number split by a line break found in its HTML, and every other tag left alone', () => {
    const html = '<p><strong>Message:</strong><br>card 4111 1111<br>\n1111 1111<BR/>thanks</p>';
    const masked = maskOfflineEmail({ subject: `${OFFLINE_EMAIL_SUBJECT_PREFIX}Bo: card`, html }, RULES);
    expect(masked.email.html).toBe('<p><strong>Message:</strong><br>card •••• ••••<br>\n•••• 1111<br>thanks</p>');
    expect(masked.hits).toEqual({ card: 1 });
  });

  it('loses every digit after the prefix from its subject once the message held a find', () => {
    const masked = maskOfflineEmail(
      { subject: `${OFFLINE_EMAIL_SUBJECT_PREFIX}Ada: My card: 4111 1111 1`, text: `My card: ${CARD}` },
      RULES,
    );
    expect(masked.email.subject).toBe(`${OFFLINE_EMAIL_SUBJECT_PREFIX}Ada: My card: •••• •••• •`);
    expect(masked.email.text).toBe('My card: •••• •••• •••• 1111');
    const plain = maskOfflineEmail(
      { subject: `${OFFLINE_EMAIL_SUBJECT_PREFIX}Ada: order 12`, text: 'order 12' },
      RULES,
    );
    expect(plain.email.subject).toBe(`${OFFLINE_EMAIL_SUBJECT_PREFIX}Ada: order 12`);
  });

  it("leaves the workspace's e-mail header unread, and bounds what it reads by the rest", () => {
    const header = `<img src="data:image/png;base64,${'4111111111111111'.repeat(10000)}">`;
    const body = `<h1>New livechat message</h1><p>card ${CARD}</p>`;
    const email = { subject: `${OFFLINE_EMAIL_SUBJECT_PREFIX}Ada: card`, html: `${header}${body}` };
    expect(offlineEmailLength(email)).toBeLessThan(MAX_OFFLINE_EMAIL_CHARS);
    expect(maskOfflineEmail(email, RULES).email.html).toBe(
      `${header}<h1>New livechat message</h1><p>card •••• •••• •••• 1111</p>`,
    );
  });

  it('is masked whole even when the visitor typed the mark the HTML reading uses', () => {
    const html = `card\u2060 ${CARD}<br>bye`;
    const masked = maskOfflineEmail({ subject: OFFLINE_EMAIL_SUBJECT_PREFIX, html }, RULES);
    expect(masked.email.html).toBe('card\u2060 •••• •••• •••• 1111<br>bye');
  });
});
