/**
 * The canary scan: distinctive fake values planted by the visitor, searched byte for byte in
 * everything the system wrote. Each canary is searched in the encodings it could leak in (UTF-8
 * and UTF-16LE bytes, JSON `\u` escapes, URL and form encoding). Short values (a CVV, one ID&V
 * character) are searched in the contexts a leak would put them in (`"7395"`, `=7395`,
 * `: Ŋ and`), because bare they would turn up in timestamps and binary pages by chance.
 */
import * as fs from 'fs';
import * as path from 'path';
import { URLSearchParams } from 'url';

export interface Canary {
  name: string;
  patterns: string[];
}

export interface Place {
  name: string;
  content: string | Buffer;
}

export interface Hit {
  place: string;
  canary: string;
  pattern: string;
}

function jsonEscaped(text: string, upper: boolean): string {
  return text.replace(/[^\x20-\x7e]/g, (c) => {
    const hex = c.charCodeAt(0).toString(16).padStart(4, '0');
    return `\\u${upper ? hex.toUpperCase() : hex}`;
  });
}

function formEncoded(text: string): string {
  return new URLSearchParams({ x: text }).toString().slice(2);
}

/** A text as it could appear once serialized: raw, JSON-escaped, URL- and form-encoded. */
function encodings(text: string): string[] {
  return [text, jsonEscaped(text, false), jsonEscaped(text, true), encodeURIComponent(text), formEncoded(text)];
}

function unique(values: string[]): string[] {
  return values.filter((v, i) => values.indexOf(v) === i);
}

/** A value long and distinctive enough to search bare (a card number, an SSN), in each written form. */
export function longCanary(name: string, forms: string[]): Canary {
  return { name, patterns: unique(forms.flatMap(encodings)) };
}

/**
 * A short value (a CVV, an ID&V character): searched where a leak would put it — a JSON string,
 * a form or query value, after a colon or between spaces in a sentence, an HTML text node.
 */
export function shortCanary(name: string, value: string): Canary {
  const contexts = [`"${value}"`, `'${value}'`, `=${value}`, `: ${value}`, ` ${value} `, `>${value}<`];
  const encoded = unique([jsonEscaped(value, false), jsonEscaped(value, true), encodeURIComponent(value)]).filter(
    (e) => e !== value,
  );
  const encodedContexts = encoded.flatMap((e) => [`"${e}"`, `=${e}`]);
  return { name, patterns: unique([...contexts, ...encodedContexts]) };
}

function contains(content: Buffer, pattern: string): boolean {
  return content.includes(Buffer.from(pattern, 'utf8')) || content.includes(Buffer.from(pattern, 'utf16le'));
}

/** Every canary found in every place, with the pattern that matched. */
export function scan(places: readonly Place[], canaries: readonly Canary[]): Hit[] {
  const hits: Hit[] = [];
  for (const place of places) {
    const content = Buffer.isBuffer(place.content) ? place.content : Buffer.from(place.content, 'utf8');
    for (const canary of canaries) {
      const pattern = canary.patterns.find((p) => contains(content, p));
      if (pattern !== undefined) {
        hits.push({ place: place.name, canary: canary.name, pattern });
      }
    }
  }
  return hits;
}

/** Every file under a folder, as places named by their path relative to it. */
export function filesUnder(dir: string, label: string): Place[] {
  const walk = (d: string): string[] =>
    fs
      .readdirSync(d, { withFileTypes: true })
      .flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]));
  return walk(dir).map((file) => ({ name: `${label}: ${path.relative(dir, file)}`, content: fs.readFileSync(file) }));
}
