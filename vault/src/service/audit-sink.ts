import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cursorOf, type ExportCursor, type ExportLine } from '../audit/export';
import type { AuditSinkConfig } from '../config';
import type { AuditTrailService } from './audit-trail';

/** Where shipped lines go. `write` resolves once they are written (or sent), else rejects. */
export interface SinkTarget {
  readonly name: string;
  write(lines: ExportLine[]): Promise<void>;
  /** Where this target stopped last time, when it can tell (a file can; syslog cannot). */
  resume(): ExportCursor | undefined;
  close(): void;
}

const TAIL_BYTES = 64 * 1024;

/** Appends JSON lines to a file (0600), the way log shippers (Filebeat, Fluent Bit, Vector) tail one. */
export class FileSinkTarget implements SinkTarget {
  readonly name = 'file';
  constructor(private readonly file: string) {}

  async write(lines: ExportLine[]): Promise<void> {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    await fs.promises.appendFile(this.file, lines.map((line) => `${JSON.stringify(line)}\n`).join(''), {
      mode: 0o600,
    });
  }

  resume(): ExportCursor | undefined {
    let fd: number;
    try {
      fd = fs.openSync(this.file, 'r');
    } catch {
      return undefined;
    }
    try {
      const size = fs.fstatSync(fd).size;
      const length = Math.min(size, TAIL_BYTES);
      const buffer = Buffer.alloc(length);
      fs.readSync(fd, buffer, 0, length, size - length);
      return cursorOf(buffer.toString('utf8').split('\n'));
    } finally {
      fs.closeSync(fd);
    }
  }

  close(): void {}
}

/** RFC 5424 PRI for facility 13 ("log audit") and severity 6 (informational). */
const SYSLOG_PRI = 13 * 8 + 6;

/** One syslog message per line, RFC 5424 over UDP; the JSON line is the message. */
export class SyslogSinkTarget implements SinkTarget {
  readonly name = 'syslog';
  private readonly socket: dgram.Socket;
  private readonly hostname = os.hostname().replace(/[^\x21-\x7e]/g, '') || '-';

  constructor(private readonly target: { host: string; port: number }) {
    this.socket = dgram.createSocket(target.host.includes(':') ? 'udp6' : 'udp4');
    this.socket.unref();
  }

  async write(lines: ExportLine[]): Promise<void> {
    for (const line of lines) {
      const message = `<${SYSLOG_PRI}>1 ${new Date().toISOString()} ${this.hostname} idv-vault - audit - ${JSON.stringify(line)}`;
      await new Promise<void>((resolve, reject) =>
        this.socket.send(message, this.target.port, this.target.host, (error) => (error ? reject(error) : resolve())),
      );
    }
  }

  resume(): undefined {
    return undefined;
  }

  close(): void {
    this.socket.close();
  }
}

/**
 * The continuous audit export: every tick ships the entries and checkpoints written since the
 * last one to each target, in trail order. A file target resumes from its own last line (a new
 * file gets the whole trail); syslog starts at the head when the vault opens (begin()). A failed write is
 * retried from the same place on the next tick, so a line may repeat but none is skipped
 * (each carries its seq and hash).
 */
export class AuditSink {
  private readonly cursors = new Map<SinkTarget, ExportCursor>();

  constructor(
    private readonly audit: Pick<AuditTrailService, 'exportBatch' | 'exportHead'>,
    readonly targets: SinkTarget[],
  ) {}

  /** Places each target that cannot tell where it stopped (syslog) at the trail's head. */
  async begin(): Promise<void> {
    for (const target of this.targets)
      if (!target.resume() && !(target instanceof FileSinkTarget))
        this.cursors.set(target, await this.audit.exportHead());
  }

  /** Ships what is new to every target; returns the lines written to each. */
  async flush(): Promise<Record<string, number>> {
    const written: Record<string, number> = {};
    for (const target of this.targets) {
      let cursor = this.cursors.get(target) ?? target.resume() ?? { entrySeq: 0, checkpointSeq: -1 };
      written[target.name] = 0;
      for (;;) {
        const batch = await this.audit.exportBatch(cursor);
        if (batch.lines.length > 0) await target.write(batch.lines);
        written[target.name] += batch.lines.length;
        cursor = batch.cursor;
        this.cursors.set(target, cursor);
        if (batch.lines.length === 0) break;
      }
    }
    return written;
  }

  close(): void {
    for (const target of this.targets) target.close();
  }
}

/** The sink `config` asks for, or undefined when none is configured. */
export function auditSinkFor(
  config: AuditSinkConfig,
  audit: Pick<AuditTrailService, 'exportBatch' | 'exportHead'>,
): AuditSink | undefined {
  const targets: SinkTarget[] = [];
  if (config.file) targets.push(new FileSinkTarget(config.file));
  if (config.syslog) targets.push(new SyslogSinkTarget(config.syslog));
  return targets.length > 0 ? new AuditSink(audit, targets) : undefined;
}
