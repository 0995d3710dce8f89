import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import { cursorOf, type ExportCursor, type ExportLine } from '../audit/export';
import { syslogMessage, type TruncationMarker } from '../audit/syslog-message';
import type { AuditSinkConfig, SyslogSinkConfig } from '../config';
import type { AuditTrailService } from './audit-trail';
import { makeDirs } from '../private-files';

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
    makeDirs(path.dirname(path.resolve(this.file)));
    // A write cut short (disk full) leaves half a line: start on a line of our own after it.
    const text = lines.map((line) => `${JSON.stringify(line)}\n`).join('');
    await fs.promises.appendFile(this.file, this.endsMidLine() ? `\n${text}` : text, { mode: 0o600 });
  }

  resume(): ExportCursor | undefined {
    const tail = this.tail(TAIL_BYTES);
    return tail === undefined ? undefined : cursorOf(tail.toString('utf8').split('\n'));
  }

  close(): void {}

  private endsMidLine(): boolean {
    const last = this.tail(1);
    return last !== undefined && last.length === 1 && last[0] !== 0x0a;
  }

  /** The file's last `bytes` bytes, or undefined when it cannot be read (not there yet, or broken: write says why). */
  private tail(bytes: number): Buffer | undefined {
    let fd: number;
    try {
      fd = fs.openSync(this.file, 'r');
    } catch {
      return undefined;
    }
    try {
      const size = fs.fstatSync(fd).size;
      const length = Math.min(size, bytes);
      const buffer = Buffer.alloc(length);
      fs.readSync(fd, buffer, 0, length, size - length);
      return buffer;
    } catch {
      return undefined;
    } finally {
      fs.closeSync(fd);
    }
  }
}

/**
 * One syslog message per line, RFC 5424 over UDP; the JSON line is the message, within
 * `maxBytes` (see syslogMessage: a longer entry goes out truncated and marked, never dropped).
 */
export class SyslogSinkTarget implements SinkTarget {
  readonly name = 'syslog';
  private readonly socket: dgram.Socket;
  // RFC 5424 HOSTNAME: 1 to 255 printable US-ASCII characters.
  private readonly hostname =
    os
      .hostname()
      .replace(/[^\x21-\x7e]/g, '')
      .slice(0, 255) || '-';

  constructor(
    private readonly target: SyslogSinkConfig,
    private readonly onTruncated: (line: ExportLine, marker: TruncationMarker) => void = () => undefined,
  ) {
    this.socket = dgram.createSocket(target.host.includes(':') ? 'udp6' : 'udp4');
    this.socket.unref();
  }

  async write(lines: ExportLine[]): Promise<void> {
    for (const line of lines) {
      const message = syslogMessage(line, { hostname: this.hostname, maxBytes: this.target.maxBytes });
      await new Promise<void>((resolve, reject) =>
        this.socket.send(message.text, this.target.port, this.target.host, (error) =>
          error ? reject(error) : resolve(),
        ),
      );
      if (message.truncated) this.onTruncated(line, message.truncated);
    }
  }

  resume(): undefined {
    return undefined;
  }

  close(): void {
    this.socket.close();
  }
}

/** How one target stands, for the metrics: entries behind the trail's head, and whether it is failing. */
export interface SinkTargetStatus {
  target: string;
  lagEntries: number;
  failing: boolean;
}

/** One step's work: lines written per target, and whether a target stopped at its batch size. */
export interface SinkStep {
  written: Record<string, number>;
  more: boolean;
}

interface TargetState {
  /** Where this target stands (its last delivered entry and checkpoint); unset until first read. */
  cursor?: ExportCursor;
  /** What the last attempt failed with (error code or message), while it fails. */
  failure?: string;
  failedAttempts: number;
}

/**
 * The continuous audit export: each step ships up to `batchEntries` entries (and the checkpoints
 * that pin them) to each target, in trail order, every target on its own: each keeps its own
 * position and error state, so a failing file does not hold syslog back, nor the other way round.
 * A file target resumes from its own last line (a new file gets the whole trail); syslog starts at
 * the head when the vault opens (begin()). A failed write is retried from the same place on the
 * next step, so a line may repeat but none is skipped (each carries its seq and hash). A target's
 * failure is logged when it starts or changes, and its recovery once. The sink only reads the trail.
 */
export class AuditSink {
  private readonly states = new Map<SinkTarget, TargetState>();
  private stepping: Promise<unknown> = Promise.resolve();
  private stepped = false;

  constructor(
    private readonly audit: Pick<AuditTrailService, 'exportBatch' | 'exportHead'>,
    readonly targets: SinkTarget[],
    private readonly options: { batchEntries: number; logger?: Pick<Logger, 'info' | 'warn'> },
  ) {
    for (const target of targets) this.states.set(target, { failedAttempts: 0 });
  }

  /** Places each target that cannot tell where it stopped (syslog) at the trail's head. */
  async begin(): Promise<void> {
    for (const target of this.targets)
      if (!target.resume() && !(target instanceof FileSinkTarget))
        this.state(target).cursor = await this.audit.exportHead();
  }

  /**
   * Ships at most `batchEntries` new entries to each target. Steps never overlap: a call made
   * while one runs waits for it. Never rejects: a failing target is logged and tried again next step.
   */
  step(): Promise<SinkStep> {
    const step = this.stepping.then(() => this.runStep());
    this.stepping = step.catch(() => undefined);
    return step;
  }

  /** Steps until every target has caught up or failed (on close, and in tests); lines written per target. */
  async flush(): Promise<Record<string, number>> {
    const written: Record<string, number> = Object.fromEntries(this.targets.map((t) => [t.name, 0]));
    for (;;) {
      const step = await this.step();
      for (const [name, count] of Object.entries(step.written)) written[name] += count;
      if (!step.more) return written;
    }
  }

  /** Per target, once this process has shipped (only the one running the jobs does); else none. */
  async status(): Promise<SinkTargetStatus[]> {
    if (!this.stepped) return [];
    const head = await this.audit.exportHead();
    return this.targets.map((target) => {
      const state = this.state(target);
      const delivered = state.cursor?.entrySeq ?? target.resume()?.entrySeq ?? 0;
      return {
        target: target.name,
        lagEntries: Math.max(0, head.entrySeq - delivered),
        failing: state.failure !== undefined,
      };
    });
  }

  close(): void {
    for (const target of this.targets) target.close();
  }

  private async runStep(): Promise<SinkStep> {
    this.stepped = true;
    // Side by side: a slow target (a file on a stalled disk) does not hold the other up either.
    const shipped = await Promise.all(this.targets.map((target) => this.ship(target)));
    return {
      written: Object.fromEntries(this.targets.map((target, i) => [target.name, shipped[i].lines])),
      more: shipped.some((result) => result.full),
    };
  }

  /** One target's share of a step: up to batchEntries entries from its own cursor. */
  private async ship(target: SinkTarget): Promise<{ lines: number; full: boolean }> {
    const state = this.state(target);
    let lines = 0;
    let budget = this.options.batchEntries;
    try {
      let cursor = state.cursor ?? target.resume() ?? { entrySeq: 0, checkpointSeq: -1 };
      for (;;) {
        const batch = await this.audit.exportBatch(cursor, budget);
        if (batch.lines.length > 0) await target.write(batch.lines);
        lines += batch.lines.length;
        budget -= batch.lines.filter((line) => line.type === 'audit.entry').length;
        cursor = batch.cursor;
        state.cursor = cursor;
        if (batch.lines.length === 0) break;
        if (budget <= 0) {
          this.recovered(target, state);
          return { lines, full: true };
        }
      }
      this.recovered(target, state);
    } catch (error) {
      this.failed(target, state, error);
    }
    return { lines, full: false };
  }

  private failed(target: SinkTarget, state: TargetState, error: unknown): void {
    const failure = describe(error);
    state.failedAttempts += 1;
    if (failure !== state.failure)
      this.options.logger?.warn(
        { auditSink: target.name, reason: failure, err: error, afterEntry: state.cursor?.entrySeq ?? null },
        'audit sink target failing; it retries each step from its last delivered entry, the other targets go on',
      );
    state.failure = failure;
  }

  private recovered(target: SinkTarget, state: TargetState): void {
    if (state.failure === undefined) return;
    this.options.logger?.info(
      { auditSink: target.name, failedAttempts: state.failedAttempts, afterEntry: state.cursor?.entrySeq ?? null },
      'audit sink target delivering again',
    );
    state.failure = undefined;
    state.failedAttempts = 0;
  }

  private state(target: SinkTarget): TargetState {
    return this.states.get(target)!;
  }
}

/** What tells one failure from another in the log: the error's code (ENOSPC, EACCES…) or its message. */
function describe(error: unknown): string {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string') return code;
  return typeof message === 'string' ? message : String(error);
}

/** The sink `config` asks for, or undefined when none is configured. */
export function auditSinkFor(
  config: AuditSinkConfig,
  audit: Pick<AuditTrailService, 'exportBatch' | 'exportHead'>,
  logger?: Pick<Logger, 'info' | 'warn'>,
): AuditSink | undefined {
  const targets: SinkTarget[] = [];
  if (config.file) targets.push(new FileSinkTarget(config.file));
  if (config.syslog)
    targets.push(
      new SyslogSinkTarget(config.syslog, (line, marker) =>
        logger?.warn(
          { auditSink: 'syslog', seq: line.seq, type: line.type, ...marker },
          'audit line longer than one syslog message: sent truncated and marked; the export command gives it whole',
        ),
      ),
    );
  return targets.length > 0 ? new AuditSink(audit, targets, { batchEntries: config.batchEntries, logger }) : undefined;
}
