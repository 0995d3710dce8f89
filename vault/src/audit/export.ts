import type { AuditCheckpoint, AuditEntry } from '../storage/audit-chain';

/**
 * The audit trail as JSON lines for a SIEM (`vault:cli audit export`, the continuous sink): one
 * object per entry with its chain hashes, and the signed checkpoints in between, each right after
 * the entry it pins. Entry lines keep `detail` as the stored text, so anyone can recompute the
 * chain (chainHash over seq, at, siteId, actor, action, requestId, detail); checkpoint lines are
 * anchors as they are: `audit verify --anchor <export file>` takes them back.
 */
export type ExportLine =
  ({ type: 'audit.entry'; time: string } & AuditEntry) | ({ type: 'audit.checkpoint'; time: string } & AuditCheckpoint);

export function entryLine(entry: AuditEntry): ExportLine {
  return {
    type: 'audit.entry',
    time: new Date(entry.at).toISOString(),
    seq: entry.seq,
    at: entry.at,
    siteId: entry.siteId,
    actor: entry.actor,
    action: entry.action,
    requestId: entry.requestId,
    detail: entry.detail,
    prevHash: entry.prevHash,
    hash: entry.hash,
  };
}

export function checkpointLine(checkpoint: AuditCheckpoint): ExportLine {
  const { kind, seq, hash, at, keyId, signature } = checkpoint;
  return { type: 'audit.checkpoint', time: new Date(at).toISOString(), kind, seq, hash, at, keyId, signature };
}

/** Entries and checkpoints in trail order: by seq, an entry before the checkpoints that pin it. */
export function mergeLines(entries: AuditEntry[], checkpoints: AuditCheckpoint[]): ExportLine[] {
  const seen = new Set<string>();
  const unique = checkpoints.filter((c) => {
    const key = `${c.kind}:${c.seq}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const lines = [...entries.map(entryLine), ...unique.map(checkpointLine)];
  const rank = (line: ExportLine) => (line.type === 'audit.entry' ? 0 : 1);
  return lines.sort((a, b) => a.seq - b.seq || rank(a) - rank(b));
}

/** Where an export stands: the last entry and the last checkpoint seq already written. */
export interface ExportCursor {
  entrySeq: number;
  checkpointSeq: number;
}

/** Reads the cursor back from the end of an export (the file sink resumes where it stopped). */
export function cursorOf(lines: string[]): ExportCursor | undefined {
  let cursor: ExportCursor | undefined;
  for (const text of lines) {
    let line: Partial<ExportLine>;
    try {
      line = JSON.parse(text) as Partial<ExportLine>;
    } catch {
      continue;
    }
    if (typeof line.seq !== 'number') continue;
    cursor ??= { entrySeq: 0, checkpointSeq: -1 };
    if (line.type === 'audit.entry') cursor.entrySeq = Math.max(cursor.entrySeq, line.seq);
    if (line.type === 'audit.checkpoint') cursor.checkpointSeq = Math.max(cursor.checkpointSeq, line.seq);
  }
  return cursor;
}
