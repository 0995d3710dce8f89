/**
 * Stored data that fails its integrity check (an altered JWE, an altered sealed entry) is an
 * incident: the detokenize is refused, an audit row says what failed, and the log line carries
 * the code and reason — never the token, the value or the OTK.
 */
import Database from 'better-sqlite3';
import { sqlitePath } from '../src/open-vault';
import { hashOtk } from '../src/otk/otk';
import { ephemeralKey } from '../src/service/request-spec';
import { pathOf, reveal, startTestVault, type TestVault, submitCard } from './helpers/vault';

describe('integrity failures', () => {
  let vault: TestVault;

  beforeEach(async () => {
    vault = await startTestVault();
  });
  afterEach(() => vault.close());

  /** Flips one character of the stored token's ciphertext, as a tampering hand would; returns that part. */
  function alterStoredToken(requestId: string): string {
    const db = new Database(sqlitePath(vault.config));
    const { token } = db.prepare('SELECT token FROM records WHERE request_id = ?').get(requestId) as { token: string };
    const parts = token.split('.');
    parts[3] = (parts[3][0] === 'A' ? 'B' : 'A') + parts[3].slice(1);
    db.prepare('UPDATE records SET token = ? WHERE request_id = ?').run(parts.join('.'), requestId);
    db.close();
    return parts[3];
  }

  const submitCanaryCard = () => submitCard(vault, { name: 'Ada Canary', cvv: '987' });

  async function auditRows(action: string) {
    const rows = await vault.app.vault.storage.readAudit(0, 1000);
    return rows.filter((row) => row.action === action);
  }

  function errorLines() {
    return vault.logs.lines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.level === 50);
  }

  it('an altered record token: 500 naming the integrity check, an audit row, a log line with the code', async () => {
    const requestId = await submitCanaryCard();
    const ciphertext = alterStoredToken(requestId);

    const shown = await reveal(vault, requestId);
    expect(shown.statusCode).toBe(500);
    expect(shown.json().error.message).toMatch(/integrity/);
    expect(shown.body).not.toContain('4111111111111111');

    const audited = await auditRows('integrity.failed');
    expect(audited).toHaveLength(1);
    expect(audited[0]).toMatchObject({ requestId, actor: 'agent:agent-1', siteId: vault.site.siteId });
    expect(JSON.parse(audited[0].detail!)).toEqual({ source: 'record', reason: 'decrypt' });

    const [line] = errorLines();
    expect(line.err).toMatchObject({ type: 'IntegrityError', code: 'integrity_failed' });
    expect(JSON.stringify(line)).toContain('decrypt');
    expect(vault.logs.text).not.toContain('{"type":"object"}');
    expect(vault.logs.text).not.toContain(ciphertext.slice(1, 20));
    expect(vault.logs.text).not.toContain('4111111111111111');
  });

  it('a detokenize that fails its integrity check writes nothing but its audit row: the OTK stays live, the request unviewed', async () => {
    const requestId = await submitCanaryCard();
    alterStoredToken(requestId);
    const minted = await vault.call('POST', `/v1/requests/${requestId}/otk`, { agentId: 'agent-1' });
    const { otk } = minted.json() as { otk: string };
    const before = await vault.app.vault.storage.readAudit(0, 1000);

    const shown = await vault.call('POST', '/v1/detokenize', { otk, agentId: 'agent-1' });
    expect(shown.statusCode).toBe(500);
    const after = await vault.app.vault.storage.readAudit(0, 1000);
    expect(after.slice(before.length).map((row) => row.action)).toEqual(['integrity.failed']);
    const { storage, clock } = vault.app.vault;
    expect(await storage.peekOtk(hashOtk(otk), 'detokenize', clock())).toMatchObject({ requestId });
    expect((await storage.getRequest(requestId))!.viewedAt).toBeNull();
    // Still refused the same way on a retry: the stored token is what fails, not the OTK.
    expect((await vault.call('POST', '/v1/detokenize', { otk, agentId: 'agent-1' })).statusCode).toBe(500);
  });

  it('an altered off-the-record entry is caught the same way', async () => {
    const requestId = await submitCanaryCard();
    const { ephemeral } = vault.app.vault;
    const sealed = (await ephemeral.get(ephemeralKey(requestId)))!;
    sealed[sealed.length - 1] ^= 1;
    await ephemeral.put(ephemeralKey(requestId), sealed, 60_000);

    const shown = await reveal(vault, requestId);
    expect(shown.statusCode).toBe(500);
    expect(shown.body).not.toContain('987');
    const audited = await auditRows('integrity.failed');
    expect(audited.map((row) => JSON.parse(row.detail!))).toEqual([{ source: 'off_record', reason: 'sealed_box' }]);
    expect(errorLines()[0].err).toMatchObject({ code: 'integrity_failed' });
    expect(vault.logs.text).not.toContain('Ada Canary');
  });

  it("the agent's viewer page meets an altered token the same way: refused and audited", async () => {
    const requestId = await submitCanaryCard();
    alterStoredToken(requestId);

    const minted = await vault.call('POST', `/v1/requests/${requestId}/viewer`, { agentId: 'agent-1' });
    expect(minted.statusCode).toBe(201);
    const opened = await vault.call('POST', pathOf(minted.json().viewerUrl), undefined, null);
    expect(opened.statusCode).toBe(303);
    const cookie = String(opened.headers['set-cookie']).split(';')[0];
    const shown = await vault.call('GET', String(opened.headers.location), undefined, null, { cookie });
    expect(shown.statusCode).toBe(500);
    expect(shown.body).not.toContain('4111111111111111');
    const audited = await auditRows('integrity.failed');
    expect(audited).toHaveLength(1);
    expect(audited[0]).toMatchObject({ requestId, actor: 'agent:agent-1' });
  });
});
