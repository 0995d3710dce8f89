/**
 * What a file uploaded to a livechat would put into Rocket.Chat that the masking rules keep out of
 * its messages. Text in a message is masked before it is saved; a file cannot be masked, only
 * refused before Rocket.Chat stores it (IPreFileUpload). So a file is refused when the rules that
 * mask its uploader's messages find something in its name or, for a text file, in its text.
 * Pictures, PDFs and archives cannot be read here and pass as they are. Pure functions.
 *
 * @example checkUploadedFile('card 4111111111111111.png', new Uint8Array(), rules, 'visitor').found // ['card']
 */
import { redactText } from './redact';
import type { Author, RedactionRule } from './rules';

/**
 * Bytes of a text file that are read. The rules read about 5 MB a second and the hook holds up
 * the app's message hooks while it runs, so a longer file is checked in its first MiB only.
 */
export const MAX_CHECKED_TEXT_BYTES = 1024 * 1024;
/** Milliseconds the admin's patterns may take on one file's text (a message's text gets less). */
export const UPLOAD_RULES_BUDGET_MS = 250;

export interface UploadCheck {
  /** Rules that found something in the name or the text, in rule order: the file is refused. */
  found: string[];
  /** Admin rules that ran out of time on the text; as in a message, what they did not reach passes. */
  unfinished: string[];
}

/**
 * The file's text, or undefined when it is not text: a NUL byte in the part read marks a binary
 * file (every picture, PDF and archive has one early). UTF-16 needs its byte order mark; other
 * text is read as UTF-8, or as Windows-1252 when it is not valid UTF-8 (an old spreadsheet export).
 */
export function textOfUpload(content: Uint8Array): string | undefined {
  const head = content.subarray(0, MAX_CHECKED_TEXT_BYTES);
  if (head[0] === 0xff && head[1] === 0xfe) return decode('utf-16le', head.subarray(2));
  if (head[0] === 0xfe && head[1] === 0xff) return decode('utf-16be', head.subarray(2));
  if (head.indexOf(0) >= 0) return undefined;
  const start = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  return decode('utf-8', head.subarray(start)) ?? decode('windows-1252', head.subarray(start));
}

/** The runtime's WHATWG decoder (Deno's and Node's alike); the app's `lib` setting leaves it untyped. */
declare const TextDecoder: new (
  label: string,
  options: { fatal: boolean },
) => { decode(input: Uint8Array, options: { stream: boolean }): string };

function decode(encoding: string, bytes: Uint8Array): string | undefined {
  try {
    // `stream` keeps a character cut by the MiB limit back instead of failing on it.
    const text = new TextDecoder(encoding, { fatal: true }).decode(bytes, { stream: true });
    return text.indexOf('\u0000') >= 0 ? undefined : text;
  } catch {
    return undefined;
  }
}

/** What the uploader's rules find in the file's name and text. */
export function checkUploadedFile(
  name: string,
  content: Uint8Array,
  rules: ReadonlyArray<RedactionRule>,
  author: Author,
): UploadCheck {
  const hits = new Set(Object.keys(redactText(name, rules, author).hits));
  const text = textOfUpload(content);
  const unfinished: string[] = [];
  if (text !== undefined) {
    const inText = redactText(text, rules, author, UPLOAD_RULES_BUDGET_MS);
    Object.keys(inText.hits).forEach((id) => hits.add(id));
    unfinished.push(...inText.unfinished);
  }
  return { found: rules.map((rule) => rule.id).filter((id) => hits.has(id)), unfinished };
}
