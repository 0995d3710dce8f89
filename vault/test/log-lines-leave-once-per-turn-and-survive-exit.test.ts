/**
 * The vault writes its log lines to stdout once per event-loop turn, and builds the access line
 * itself: both for speed (BENCHMARKS.md, at the repository's root), neither at the cost of a line or of its format.
 */
import { spawnSync } from 'node:child_process';
import pino from 'pino';
import { createLoggers, lazyRequestLogger, linesPerTurn, type AccessLine } from '../src/http/logging';
import { ensureVaultBuilt } from './helpers/processes';
import { LogCapture } from './helpers/vault';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('lines per turn', () => {
  it('hands the lines of one turn to the writer in one write, in order, after the turn', async () => {
    const writes: string[] = [];
    const lines = linesPerTurn({ write: (text) => writes.push(text) });
    lines.write('a\n');
    lines.write('b\n');
    lines.write('c\n');
    expect(writes).toEqual([]);
    await nextTurn();
    expect(writes).toEqual(['a\nb\nc\n']);
    lines.write('d\n');
    await nextTurn();
    expect(writes).toEqual(['a\nb\nc\n', 'd\n']);
  });

  it("writes at once when pino's logger.flush(done) asks, then calls done", () => {
    const writes: string[] = [];
    const { logger } = createLoggers('info', linesPerTurn({ write: (text) => writes.push(text) }));
    logger.info('now');
    const done = jest.fn();
    logger.flush(done);
    expect(writes.map((text) => JSON.parse(text).msg)).toEqual(['now']);
    expect(done).toHaveBeenCalledTimes(1);
  });

  it('loses no line when the process exits in the turn it logged, or dies of an uncaught error', () => {
    ensureVaultBuilt();
    const script = (end: string) => `
      const { createLoggers } = require('./dist/http/logging.js');
      const { logger, logAccess } = createLoggers('info');
      logger.info({ n: 1 }, 'first');
      logAccess({ reqId: 'req-1', method: 'GET', route: '/healthz', statusCode: 200, ms: 0.4 });
      ${end};`;
    for (const end of ['process.exit(3)', 'throw new Error("boom")']) {
      const run = spawnSync(process.execPath, ['-e', script(end)], { cwd: `${__dirname}/..`, encoding: 'utf8' });
      expect(run.status).not.toBe(0);
      const messages = run.stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line).msg);
      expect(messages).toEqual(['first', 'request']);
    }
  });
});

describe('the access line', () => {
  const line: AccessLine = { reqId: 'req-7', method: 'POST', route: '/f/:otk/submit', statusCode: 201, ms: 12.3 };

  it('is the line pino itself would write for the same fields', () => {
    const ours = new LogCapture();
    createLoggers('info', ours, { worker: 2, pid: 99 }).logAccess(line);
    const theirs = new LogCapture();
    pino({ level: 'info', base: { service: 'idv-vault', worker: 2, pid: 99 } }, theirs).info(line, 'request');
    const [a, b] = [JSON.parse(ours.lines[0]), JSON.parse(theirs.lines[0])];
    expect(Object.keys(a)).toEqual(Object.keys(b));
    expect({ ...a, time: 0 }).toEqual({ ...b, time: 0 });
    expect(Math.abs(a.time - b.time)).toBeLessThan(1000);
  });

  it('stays one valid JSON line whatever its strings hold, and follows the level', () => {
    const logs = new LogCapture();
    const { logger, logAccess } = createLoggers('info', logs);
    logAccess({ ...line, route: 'a"b\\c\n\u2028d', reqId: '</script>', ms: Number.NaN });
    expect(logs.lines).toHaveLength(1);
    expect(JSON.parse(logs.lines[0])).toMatchObject({ route: 'a"b\\c\n\u2028d', reqId: '</script>', ms: null });
    logger.level = 'warn';
    logAccess(line);
    expect(logs.lines).toHaveLength(1);
    createLoggers('silent', logs).logAccess(line);
    expect(logs.lines).toHaveLength(1);
  });
});

describe("a request's logger", () => {
  it("becomes pino's child with the request's bindings only when it logs, and then once", () => {
    const capture = new LogCapture();
    const { logger } = createLoggers('info', capture);
    const child = jest.spyOn(logger, 'child');
    const quiet = lazyRequestLogger(logger, { reqId: 'req-10' }, {});
    expect(quiet.level).toBe('info');
    quiet.debug('below the level');
    quiet.trace('further below');
    expect(child).not.toHaveBeenCalled();
    quiet.info({ code: 'bad_request', otk: 'secret-otk' }, 'request refused');
    quiet.warn('again');
    expect(child).toHaveBeenCalledTimes(1);
    const [refused, again] = capture.lines.map((line) => JSON.parse(line));
    expect(refused).toMatchObject({ reqId: 'req-10', code: 'bad_request', otk: '[redacted]', msg: 'request refused' });
    expect(again).toMatchObject({ reqId: 'req-10', level: 40, msg: 'again' });
    expect(capture.text).not.toContain('secret-otk');
  });

  it("follows a route's own level, and says nothing at silent", () => {
    const capture = new LogCapture();
    const { logger } = createLoggers('info', capture);
    const child = jest.spyOn(logger, 'child');
    const chatty = lazyRequestLogger(logger, { reqId: 'req-11' }, { level: 'debug' });
    expect(chatty.level).toBe('debug');
    chatty.debug('a route at debug');
    const silent = lazyRequestLogger(logger, { reqId: 'req-12' }, { level: 'silent' });
    silent.fatal('never written');
    expect(child).toHaveBeenCalledTimes(1);
    expect(capture.lines.map((line) => JSON.parse(line))).toEqual([
      expect.objectContaining({ reqId: 'req-11', level: 20, msg: 'a route at debug' }),
    ]);
  });
});
