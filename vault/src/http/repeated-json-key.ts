/**
 * Whether a JSON text holds one key twice in one object. JSON.parse keeps the last and says
 * nothing, so `{"agentId":"a","agentId":"b"}` reads as "b" here and may read as "a" to a proxy or a
 * log in front of the vault; I-JSON (RFC 7493) forbids it, and the vault refuses it.
 *
 * `text` must already be valid JSON: only strings, brackets, commas and colons need telling apart.
 * Keys are compared decoded, so "a" and "\u0061" are the same key.
 */
export function repeatsAKey(text: string): boolean {
  // One entry per open bracket: the keys seen in an object, or null for an array.
  const open: Array<Set<string> | null> = [];
  let expectingKey = false;
  for (let at = 0; at < text.length; at += 1) {
    const char = text[at];
    if (char === '"') {
      const end = closingQuote(text, at);
      const keys = open[open.length - 1];
      if (keys && expectingKey) {
        const raw = text.slice(at + 1, end);
        const key = raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
        if (keys.has(key)) return true;
        keys.add(key);
      }
      at = end;
    } else if (char === '{') {
      open.push(new Set());
      expectingKey = true;
    } else if (char === '[') {
      open.push(null);
      expectingKey = false;
    } else if (char === '}' || char === ']') {
      open.pop();
      expectingKey = false;
    } else if (char === ',') {
      expectingKey = open[open.length - 1] != null;
    } else if (char === ':') {
      expectingKey = false;
    }
  }
  return false;
}

/** The index of the quote that ends the string opening at `start`: one after no odd run of backslashes. */
export function closingQuote(text: string, start: number): number {
  let at = text.indexOf('"', start + 1);
  while (at >= 0 && isEscaped(text, at)) at = text.indexOf('"', at + 1);
  // Valid JSON always closes its strings; were it cut short, the scan still ends.
  return at < 0 ? text.length : at;
}

function isEscaped(text: string, at: number): boolean {
  let backslashes = 0;
  while (text[at - 1 - backslashes] === '\\') backslashes += 1;
  return backslashes % 2 === 1;
}
