/**
 * The database calls of one visitor submit and one detokenize, counted at the driver (a SQLite
 * statement run, a PostgreSQL round trip, BEGIN and COMMIT included) once the vault is warm: its
 * statements compiled and its site key cached. The numbers are the design's (issue 14): one read
 * and one write transaction each; a call added to either path fails here and says which.
 */
import Database from 'better-sqlite3';
import { Client } from 'pg';
import { requirePostgres, requireRedis } from './helpers/backends';
import { SharedBackends } from './helpers/scale-out';
import {
  cardForm,
  cardValues,
  createAndOpen,
  reveal,
  startTestVault,
  submitCard,
  testConfig,
  type TestVault,
} from './helpers/vault';

/** Each call's SQL, shortened to its verb and the table it starts on ("SELECT otks", "UPDATE requests"). */
class DatabaseCalls {
  readonly sql: string[] = [];
  private recording = false;

  constructor() {
    const note = (sql: string) => this.note(sql);
    const statement = Object.getPrototypeOf(new Database(':memory:').prepare('SELECT 1')) as Record<
      'run' | 'get' | 'all' | 'iterate',
      (...args: unknown[]) => unknown
    >;
    for (const method of ['run', 'get', 'all', 'iterate'] as const) {
      const original = statement[method];
      jest.spyOn(statement, method).mockImplementation(function (this: { source: string }, ...args: unknown[]) {
        note(this.source);
        return original.apply(this, args);
      });
    }
    const query = Client.prototype.query as (...args: unknown[]) => unknown;
    jest.spyOn(Client.prototype, 'query').mockImplementation(function (this: Client, ...args: unknown[]) {
      const [first] = args;
      note(typeof first === 'string' ? first : String((first as { text?: string }).text));
      return query.apply(this, args) as never;
    });
  }

  /** The calls `work` makes. */
  async during(work: () => Promise<unknown>): Promise<string[]> {
    this.sql.length = 0;
    this.recording = true;
    try {
      await work();
    } finally {
      this.recording = false;
    }
    return [...this.sql];
  }

  private note(sql: string): void {
    if (this.recording) this.sql.push(label(sql));
  }
}

/** "SELECT otks", "UPDATE requests", "WITH … audit_head" (the statement after its WITH), "BEGIN". */
function label(sql: string): string {
  let text = sql.replace(/\s+/g, ' ').trim();
  // Subqueries and value lists out, so the words left are the statement's own.
  while (/\([^()]*\)/.test(text)) text = text.replace(/\([^()]*\)/g, '_');
  const match =
    /^(WITH) .* (?:INSERT INTO|UPDATE|DELETE FROM) (\w+)/i.exec(text) ??
    /^(SELECT) .*? FROM (\w+)/i.exec(text) ??
    /^(INSERT) INTO (\w+)/i.exec(text) ??
    /^(DELETE) FROM (\w+)/i.exec(text) ??
    /^(UPDATE) (\w+)/i.exec(text);
  if (!match) return text;
  return `${match[1].toUpperCase()} ${match[1].toUpperCase() === 'WITH' ? '… ' : ''}${match[2]}`;
}

const calls = new DatabaseCalls();
afterAll(() => jest.restoreAllMocks());

/** What one submit and one detokenize call on the database, after a first round warmed the vault. */
async function measure(vault: TestVault): Promise<{ submit: string[]; detokenize: string[] }> {
  await reveal(vault, await submitCard(vault, {}, { roomId: 'room-warm' }));
  const { requestId, submitPath } = await createAndOpen(vault, cardForm());
  const submit = await calls.during(async () => {
    const answer = await vault.call('POST', submitPath, { values: cardValues() }, null);
    expect(answer.statusCode).toBe(200);
  });
  const minted = await vault.call('POST', `/v1/requests/${requestId}/otk`, { agentId: 'agent-1' });
  const { otk } = minted.json() as { otk: string };
  const detokenize = await calls.during(async () => {
    const answer = await vault.call('POST', '/v1/detokenize', { otk, agentId: 'agent-1' });
    expect(answer.json()).toMatchObject({ values: { cvv: '123' } });
  });
  return { submit, detokenize };
}

describe('database calls per request on SQLite', () => {
  let vault: TestVault;
  beforeAll(async () => {
    vault = await startTestVault();
  });
  afterAll(() => vault.close());

  it('a submit: one read, then one transaction: 9 calls (17 before issue 14)', async () => {
    const { submit } = await measure(vault);
    expect(submit).toEqual([
      'SELECT otks', // the link's opened request, with the key generation
      'BEGIN IMMEDIATE',
      'UPDATE requests', // guarded: link live, opened, in time, room open
      'INSERT records',
      'INSERT record_keys',
      'DELETE otks', // the submit OTK and any other of the request
      'SELECT audit', // the chain's last entry
      'INSERT audit',
      'COMMIT',
    ]);
  });

  it('a detokenize: the API key, one read, then one transaction: 8 calls (13 and two commits before)', async () => {
    const { detokenize } = await measure(vault);
    expect(detokenize).toEqual([
      'SELECT sites', // the API key
      'SELECT otks', // OTK, request, room, record, record key and key generation
      'BEGIN IMMEDIATE',
      'DELETE otks',
      'UPDATE requests', // viewed, guarded: submitted, room open
      'SELECT audit',
      'INSERT audit',
      'COMMIT',
    ]);
  });
});

describe('database round trips per request on PostgreSQL', () => {
  const backends = new SharedBackends();
  let vault: TestVault;
  beforeAll(async () => {
    await requirePostgres();
    await requireRedis();
    vault = await startTestVault({ config: testConfig(backends.env()) });
  });
  afterAll(async () => {
    await vault?.close();
    await backends.drop();
  });

  it('a submit: one read, then one transaction: 8 round trips (18 before issue 14)', async () => {
    const { submit } = await measure(vault);
    expect(submit).toEqual([
      'SELECT otks',
      'BEGIN',
      'UPDATE requests',
      'WITH … record_keys', // the record and its key in one statement
      'DELETE otks',
      'SELECT audit_head', // locks the chain's head
      'WITH … audit_head', // the entry and the new head in one statement
      'COMMIT',
    ]);
  });

  it('a detokenize: the API key, one read, then one transaction: 8 round trips (14 and two commits before)', async () => {
    const { detokenize } = await measure(vault);
    expect(detokenize).toEqual([
      'SELECT sites',
      'SELECT otks',
      'BEGIN',
      'UPDATE requests', // the request row's lock first, as every writer takes it
      'DELETE otks',
      'SELECT audit_head',
      'WITH … audit_head',
      'COMMIT',
    ]);
  });
});
