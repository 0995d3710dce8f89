import type { ExportLine } from './export';

/** RFC 5424 PRI for facility 13 ("log audit") and severity 6 (informational). */
const SYSLOG_PRI = 13 * 8 + 6;

/** What a syslog line carries in place of what did not fit: how big it was and how to get it whole. */
export interface TruncationMarker {
  /** The JSON line's size in bytes, before it was cut. */
  bytes: number;
  /** The limit it had to fit in (the whole message, header included). */
  maxBytes: number;
  /** The command that prints this entry whole (with the ones after it). */
  whole: string;
}

export interface SyslogMessage {
  text: string;
  /** Set when the line did not fit whole and was cut. */
  truncated?: TruncationMarker;
}

/**
 * One audit export line as one RFC 5424 message (`<110>1 TIMESTAMP HOSTNAME idv-vault - audit - JSON`)
 * of at most `maxBytes`. A line that does not fit keeps every field but the end of its `detail`
 * (stored text: cut, the JSON around it stays valid) and gains `"truncated": {bytes, maxBytes, whole}`;
 * if even that is too long, only type, time, seq and hash are sent with the marker. Its `hash` is the
 * stored one, so a cut line cannot be rechecked: `whole` says how to fetch it (the export command).
 * A line is never dropped and never split across messages (UDP may reorder or lose one half).
 *
 * @example syslogMessage(line, { hostname: 'vault-1', maxBytes: 2048 }).text
 */
export function syslogMessage(
  line: ExportLine,
  options: { hostname: string; maxBytes: number; now?: Date },
): SyslogMessage {
  const header = `<${SYSLOG_PRI}>1 ${(options.now ?? new Date()).toISOString()} ${options.hostname} idv-vault - audit - `;
  const fits = (text: string) => Buffer.byteLength(text, 'utf8') <= options.maxBytes;
  const json = JSON.stringify(line);
  if (fits(header + json)) return { text: header + json };

  const truncated: TruncationMarker = {
    bytes: Buffer.byteLength(json, 'utf8'),
    maxBytes: options.maxBytes,
    whole: `npm run vault:cli -- audit export --since ${line.time}`,
  };
  const detail = line.type === 'audit.entry' ? line.detail : null;
  const withDetail = (length: number) =>
    header + JSON.stringify({ ...line, detail: cutAt(detail ?? '', length), truncated });
  if (detail !== null && fits(withDetail(0))) {
    // The longest prefix of detail that fits: longer prefixes never serialize shorter.
    let low = 0;
    let high = detail.length;
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      if (fits(withDetail(middle))) low = middle;
      else high = middle - 1;
    }
    return { text: withDetail(low), truncated };
  }
  const { type, time, seq, hash } = line;
  return { text: header + JSON.stringify({ type, time, seq, hash, truncated }), truncated };
}

/** The first `length` UTF-16 units of `text`, one fewer if that would split a surrogate pair. */
function cutAt(text: string, length: number): string {
  const code = text.charCodeAt(length - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? length - 1 : length);
}
