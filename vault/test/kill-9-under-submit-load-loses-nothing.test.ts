/**
 * `kill -9` a vault process while visitors are submitting, start it again, and check: every
 * submit that got a 2xx is readable, every submit that did not is either wholly there or wholly
 * absent (never half a row), and the audit chain still verifies. Once on SQLite (the default),
 * once on PostgreSQL.
 */
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CreateRequestBody } from '../src/contract';
import { cardForm, tempDir } from './helpers/vault';
import { requirePostgres, TestSchema } from './helpers/backends';
import { addSiteByCli, ensureVaultBuilt, VaultHttp, VaultProcess, vaultCli } from './helpers/processes';

jest.setTimeout(60_000);

const WORKERS = 8;
const LOAD_MS = 1500;
const MIN_CONFIRMED = 25;
const PANS = ['4111111111111111', '5555555555554444', '378282246310005', '6011111111111117'];
const FORM: CreateRequestBody = cardForm({
  form: {
    id: 'crash',
    title: 'Crash',
    fields: [
      { id: 'name', label: 'Name', type: 'text', required: true },
      { id: 'pan', label: 'Card number', type: 'card_number', required: true },
    ],
  },
});

interface Attempt {
  requestId: string;
  values: Record<string, string>;
  /** The HTTP status of the submit, or 'cut' when the connection died with the process. */
  outcome: number | 'cut';
}

/** Invariants read straight from the database: none may ever count above zero. */
const HALF_WRITTEN = {
  submittedWithoutRecord:
    "SELECT COUNT(*) AS n FROM requests r WHERE r.status = 'submitted' AND NOT EXISTS (SELECT 1 FROM records x WHERE x.request_id = r.request_id)",
  recordWithoutSubmit:
    "SELECT COUNT(*) AS n FROM records x JOIN requests r ON r.request_id = x.request_id WHERE r.status <> 'submitted'",
  submittedWithLiveSubmitOtk:
    "SELECT COUNT(*) AS n FROM otks o JOIN requests r ON r.request_id = o.request_id WHERE r.status = 'submitted' AND o.purpose = 'submit'",
  openedWithoutSubmitOtk:
    "SELECT COUNT(*) AS n FROM requests r WHERE r.status = 'opened' AND NOT EXISTS (SELECT 1 FROM otks o WHERE o.request_id = r.request_id AND o.purpose = 'submit')",
  submitsNotAudited:
    "SELECT (SELECT COUNT(*) FROM requests WHERE status = 'submitted') - (SELECT COUNT(*) FROM audit WHERE action = 'request.submit') AS n",
};

/** Submits from WORKERS visitors at once into `attempts` until `until()` or the vault dies. */
async function submitLoad(vault: VaultHttp, attempts: Attempt[], until: () => boolean): Promise<void> {
  let n = 0;
  const worker = async () => {
    while (!until()) {
      let requestId: string;
      let submitPath: string;
      try {
        const created = await vault.create(FORM);
        requestId = created.requestId;
        submitPath = await vault.open(created.visitorPath);
      } catch {
        return;
      }
      n += 1;
      const values = { name: `Crash ${n} ${randomBytes(3).toString('hex')}`, pan: PANS[n % PANS.length] };
      const outcome = await vault.submit(submitPath, values).catch(() => 'cut' as const);
      attempts.push({ requestId, values, outcome });
      if (outcome === 'cut') return;
    }
  };
  await Promise.all(Array.from({ length: WORKERS }, worker));
}

describe.each([
  ['SQLite (the default)', false],
  ['PostgreSQL', true],
])('kill -9 under submit load on %s', (_name, onPostgres) => {
  const schema = new TestSchema();
  const env: Record<string, string> = {
    VAULT_DATA_DIR: tempDir(),
    VAULT_MASTER_KEY: randomBytes(32).toString('base64'),
  };
  let vault: VaultProcess | undefined;

  beforeAll(async () => {
    if (onPostgres) {
      await requirePostgres();
      env.VAULT_DATABASE_URL = schema.url();
    }
    ensureVaultBuilt();
  });
  afterAll(async () => {
    await vault?.stop();
    if (onPostgres) await schema.drop();
  });

  it('every 2xx submit is readable after a restart, no failed one left half a row, the audit chain verifies', async () => {
    const apiKey = addSiteByCli('acme', env);
    vault = await VaultProcess.start(env);
    let killed = false;
    const attempts: Attempt[] = [];
    const load = submitLoad(new VaultHttp(vault.url, apiKey), attempts, () => killed);
    // At least LOAD_MS of load, and enough confirmed submits to mean something on a busy machine.
    const started = Date.now();
    while (
      Date.now() - started < LOAD_MS ||
      (attempts.filter((a) => a.outcome === 200).length < MIN_CONFIRMED && Date.now() - started < 15_000)
    ) {
      await sleep(50);
    }
    await vault.kill9();
    killed = true;
    await load;

    vault = await VaultProcess.start(env);
    const http = new VaultHttp(vault.url, apiKey);
    const confirmed = attempts.filter((a) => a.outcome === 200);
    const unconfirmed = attempts.filter((a) => a.outcome !== 200);
    expect(confirmed.length).toBeGreaterThanOrEqual(MIN_CONFIRMED);
    // Before the kill every submit succeeded: the only failures are the ones the kill cut.
    expect(unconfirmed.filter((a) => a.outcome !== 'cut').map((a) => a.outcome)).toEqual([]);

    for (const attempt of confirmed) {
      expect(await http.reveal(attempt.requestId)).toEqual({ status: 200, values: attempt.values });
    }
    let landed = 0;
    for (const attempt of unconfirmed) {
      const state = await http.api('GET', `/v1/requests/${attempt.requestId}`);
      if (state.json?.status === 'submitted') {
        // Committed just before the kill, answer lost: whole, and the visitor's values.
        landed += 1;
        expect(await http.reveal(attempt.requestId)).toEqual({ status: 200, values: attempt.values });
      } else {
        expect(state.json?.status).toBe('opened');
        expect((await http.reveal(attempt.requestId)).status).toBe(409);
      }
    }
    expect(await vault.stop()).toBe(0);

    const counts: Record<string, number> = {};
    for (const [name, sql] of Object.entries(HALF_WRITTEN)) {
      if (onPostgres) {
        counts[name] = Number((await schema.sql<{ n: string }>(sql))[0].n);
      } else {
        const db = new Database(`${env.VAULT_DATA_DIR}/vault.sqlite`, { readonly: true });
        counts[name] = Number((db.prepare(sql).get() as { n: number }).n);
        db.close();
      }
    }
    expect(counts).toEqual({
      submittedWithoutRecord: 0,
      recordWithoutSubmit: 0,
      submittedWithLiveSubmitOtk: 0,
      openedWithoutSubmitOtk: 0,
      submitsNotAudited: 0,
    });

    const verified = vaultCli(['audit', 'verify'], env);
    expect(verified.status).toBe(0);
    expect(JSON.parse(verified.stdout.trim())).toMatchObject({ ok: true });
    console.log(
      `kill -9 on ${_name}: ${confirmed.length} submits confirmed and readable; ${unconfirmed.length} cut in flight ` +
        `(${landed} had committed, ${unconfirmed.length - landed} left no trace); audit chain of ${JSON.parse(verified.stdout.trim()).count} entries verifies`,
    );
  });
});
