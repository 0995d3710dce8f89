/**
 * The e-mail Rocket.Chat sends of a message a visitor leaves in the livechat offline form (no
 * agent online): the visitor's words as typed, in its subject (the first 20 characters), its HTML
 * and its plain text. Rocket.Chat's mailer runs the apps' IPreEmailSent hook on every e-mail and
 * sends what they return, so this one is masked as a visitor's chat message is. It is told apart by
 * the subject Rocket.Chat gives it (hard-coded in its `sendOfflineMessage`); every other e-mail
 * (password resets, sign-in codes, transcripts built from already masked messages) is left whole.
 * Pure functions.
 */
import type { IEmailDescriptor } from '@rocket.chat/apps-engine/definition/email';

import { MASK_CHARACTER } from '../lib/masking';
import { redactText } from './redact';
import type { RedactionRule } from './rules';

export const OFFLINE_EMAIL_SUBJECT_PREFIX = 'Livechat offline message from ';
/**
 * The most characters the rules are run over (subject, text and the HTML from BODY_MARK on): the
 * detectors have no time budget, and the mailer waits for the hook; 128 K take about 0.3 s at
 * worst. The e-mail holds the message twice (HTML and text): a message of about 60,000 characters
 * passes. A chat message holds at most 5,000.
 */
export const MAX_OFFLINE_EMAIL_CHARS = 128 * 1024;
/**
 * Where the HTML Rocket.Chat builds begins; its mailer wraps it in the workspace's e-mail header
 * and footer (which may carry a logo as a data URI, and no visitor's words): they are not read.
 */
const BODY_MARK = '<h1>New livechat message</h1>';

/** Rocket.Chat writes each line break of the message as `<br>` in the HTML. */
const BREAK_TAG = /<br\s*\/?>/gi;
/** Stands in for a `<br>` while the rules read the HTML: invisible to them, as a zero-width space is. */
const BREAK_MARK = '\u2060';

export function isOfflineFormEmail(email: IEmailDescriptor | undefined): email is IEmailDescriptor {
  return (
    Boolean(email) && typeof email!.subject === 'string' && email!.subject.startsWith(OFFLINE_EMAIL_SUBJECT_PREFIX)
  );
}

/** The HTML's template head, left unread, and the rest, which holds the visitor's words. */
function splitHtml(html: string): { head: string; body: string } {
  const at = html.indexOf(BODY_MARK);
  return at < 0 ? { head: '', body: html } : { head: html.slice(0, at), body: html.slice(at) };
}

/** What the rules would read of the e-mail, in characters. */
export function offlineEmailLength(email: IEmailDescriptor): number {
  return (email.subject || '').length + splitHtml(email.html || '').body.length + (email.text || '').length;
}

export interface EmailMasking {
  email: IEmailDescriptor;
  hits: { [ruleId: string]: number };
  unfinished: string[];
}

/**
 * The e-mail with what the rules find masked, read as the visitor's words. In the HTML a number
 * split by a line break (`4111 1111<br>1111 1111`) is found as in the text: the tags stand aside.
 */
export function maskOfflineEmail(email: IEmailDescriptor, rules: ReadonlyArray<RedactionRule>): EmailMasking {
  const result: EmailMasking = { email: { ...email }, hits: {}, unfinished: [] };
  const mask = (text: string): string => {
    const masked = redactText(text, rules, 'visitor');
    for (const id of Object.keys(masked.hits)) result.hits[id] = (result.hits[id] || 0) + masked.hits[id];
    masked.unfinished.forEach((id) => result.unfinished.indexOf(id) < 0 && result.unfinished.push(id));
    return masked.text;
  };
  if (typeof email.text === 'string') result.email.text = mask(email.text);
  if (typeof email.html === 'string') {
    const { head, body } = splitHtml(email.html);
    result.email.html = head + maskHtml(body, mask);
  }
  if (typeof email.subject === 'string') {
    // The subject ends with the message's first 20 characters: a number cut there is no longer one
    // the rules know, so once the message held a find, every digit after the prefix goes.
    const found = Object.keys(result.hits).length > 0;
    result.email.subject = found ? maskDigitsAfterPrefix(email.subject) : mask(email.subject);
  }
  return result;
}

function maskHtml(html: string, mask: (text: string) => string): string {
  if (html.includes(BREAK_MARK)) return mask(html);
  return mask(html.replace(BREAK_TAG, BREAK_MARK)).split(BREAK_MARK).join('<br>');
}

function maskDigitsAfterPrefix(subject: string): string {
  const rest = subject.slice(OFFLINE_EMAIL_SUBJECT_PREFIX.length);
  return OFFLINE_EMAIL_SUBJECT_PREFIX + rest.replace(/\p{N}/gu, MASK_CHARACTER);
}
