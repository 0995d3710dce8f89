import { runCli } from '../../src/cli/commands';
import type { CreateRequestBody } from '../../src/contract';

export { addSiteByCli, ensureVaultBuilt, VaultProcess, vaultCli, vaultCliAsync } from '../../../testkit/vault-process';

/** The CLI run in this process on `env`: its exit code and the lines it wrote to stdout and stderr. */
export async function cliInProcess(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, env, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

/** A small HTTP client for one vault process and one site. */
export class VaultHttp {
  constructor(
    readonly base: string,
    private readonly apiKey: string,
  ) {}

  async api(
    method: string,
    route: string,
    body?: unknown,
  ): Promise<{ status: number; json: Record<string, unknown> | null }> {
    const response = await fetch(`${this.base}${route}`, {
      method,
      headers: {
        authorization: `Bearer ${this.apiKey}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : null };
  }

  async create(body: CreateRequestBody): Promise<{ requestId: string; visitorPath: string }> {
    const created = await this.api('POST', '/v1/requests', body);
    if (created.status !== 201) throw new Error(`create answered ${created.status}`);
    return {
      requestId: String(created.json!.requestId),
      visitorPath: new URL(String(created.json!.visitorUrl)).pathname,
    };
  }

  /** Opens a visitor link (its path) as the JSON front end does; returns the submit path. */
  async open(visitorPath: string): Promise<string> {
    const opened = await fetch(`${this.base}${visitorPath}`, { headers: { accept: 'application/json' } });
    if (opened.status !== 200) throw new Error(`open answered ${opened.status}`);
    return new URL(String(((await opened.json()) as { submitUrl: string }).submitUrl), this.base).pathname;
  }

  async submit(submitPath: string, values: Record<string, string>): Promise<number> {
    const response = await fetch(`${this.base}${submitPath}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ values }),
    });
    await response.arrayBuffer();
    return response.status;
  }

  /** Mints a detokenize OTK for agent-1 and redeems it; returns the status and values. */
  async reveal(requestId: string): Promise<{ status: number; values?: Record<string, string> }> {
    const minted = await this.api('POST', `/v1/requests/${requestId}/otk`, { agentId: 'agent-1' });
    if (minted.status !== 201) return { status: minted.status };
    const shown = await this.api('POST', '/v1/detokenize', { otk: minted.json!.otk, agentId: 'agent-1' });
    return { status: shown.status, values: shown.json?.values as Record<string, string> | undefined };
  }
}
