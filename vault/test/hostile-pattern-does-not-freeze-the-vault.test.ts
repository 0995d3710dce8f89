/**
 * ReDoS: a form pattern with nested quantifiers plus a long input must not freeze the vault.
 * A real process, because a frozen event loop is only seen from outside: while a visitor submits
 * 1000 characters against `(a+)+$` and `([A-Za-z0-9]+\s?)*`, `/healthz` keeps answering within
 * 100 ms and the submit itself is answered quickly.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { cardForm, tempDir } from './helpers/vault';
import { addSiteByCli, ensureVaultBuilt, VaultHttp, VaultProcess } from './helpers/processes';

jest.setTimeout(60_000);

const HOSTILE_PATTERNS = ['(a+)+$', '([A-Za-z0-9]+\\s?)*'];
// Almost matches, then fails at the very end: the worst case for a backtracking engine.
const HOSTILE_VALUE = `${'a'.repeat(999)}!`;
const HEALTH_BUDGET_MS = 100;
// A frozen loop answers nothing (the probe gives up at 1 s). On a loaded shared machine one probe can
// miss 100 ms for reasons of its own, so the typical probe is held to 100 ms and none may stall.
const HEALTH_STALL_MS = 500;
const SUBMIT_BUDGET_MS = 2_000;

async function healthzMs(base: string): Promise<number> {
  const started = performance.now();
  try {
    const response = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(1_000) });
    await response.arrayBuffer();
    return response.ok ? performance.now() - started : Infinity;
  } catch {
    return Infinity;
  }
}

describe('a hostile form pattern', () => {
  const env: Record<string, string> = {
    VAULT_DATA_DIR: tempDir(),
    VAULT_MASTER_KEY: randomBytes(32).toString('base64'),
  };
  let vault: VaultProcess | undefined;

  beforeAll(() => ensureVaultBuilt());
  // SIGKILL: a process stuck in a regular expression does not answer SIGTERM.
  afterAll(async () => vault?.kill9());

  it('leaves /healthz answering within 100 ms while a 1000-character value is checked, and the submit ends quickly', async () => {
    const apiKey = addSiteByCli('acme', env);
    vault = await VaultProcess.start(env);
    const http = new VaultHttp(vault.url, apiKey);
    const created = await http.create(
      cardForm({
        form: {
          id: 'hostile',
          title: 'Hostile patterns',
          fields: HOSTILE_PATTERNS.map((pattern, i) => ({ id: `f${i}`, label: `Field ${i}`, type: 'text', pattern })),
        },
      }),
    );
    const submitPath = await http.open(created.visitorPath);
    // Connection and first-call costs are not what this measures.
    for (let i = 0; i < 3; i += 1) await healthzMs(vault.url);
    const values = Object.fromEntries(HOSTILE_PATTERNS.map((_, i) => [`f${i}`, HOSTILE_VALUE]));

    const submitStarted = performance.now();
    let submitMs = Infinity;
    const submit = fetch(`${vault.url}${submitPath}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ values }),
      signal: AbortSignal.timeout(5_000),
    }).then(
      async (response) => {
        const body = (await response.json()) as { error?: { code: string; fields?: Record<string, string> } };
        submitMs = performance.now() - submitStarted;
        return { status: response.status, body };
      },
      () => undefined,
    );

    const health: number[] = [];
    for (let i = 0; i < 10; i += 1) {
      health.push(await healthzMs(vault.url));
      await sleep(20);
    }
    const answer = await submit;

    const median = [...health].sort((a, b) => a - b)[Math.floor(health.length / 2)];
    expect({ median: median < HEALTH_BUDGET_MS, noStall: Math.max(...health) < HEALTH_STALL_MS, health }).toMatchObject(
      {
        median: true,
        noStall: true,
      },
    );
    expect(submitMs).toBeLessThan(SUBMIT_BUDGET_MS);
    // The value does not match either pattern: refused field by field, not an error of the vault.
    expect(answer?.status).toBe(422);
    expect(answer?.body.error?.code).toBe('invalid_fields');
    expect(Object.keys(answer?.body.error?.fields ?? {}).sort()).toEqual(['f0', 'f1']);
  });
});
