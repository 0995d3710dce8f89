#!/usr/bin/env node
'use strict';
// Where a submit's and a detokenize's CPU goes, layer by layer, measured in-process as CPU time per
// operation (steady on a shared machine): the vault's service calls without HTTP and without the
// doorbell, their storage steps, their crypto, one doorbell delivery, one log line, the metrics. Compare with the HTTP
// figures of `npm run bench` (CPU µs per request) to see what HTTP + Fastify + hooks add.
// Usage: node bench/breakdown.js [--ops=3000] [--json=<file>]
const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { filePath, flags, wholeNumber } = require('./lib/cli');
const { dist, vaultRequire } = require('./lib/paths');
const { cardForm, createBody } = require('./lib/forms');
const { startServer } = require('./lib/processes');
const { table } = require('./tokenizer-micro');
const { BENCH_VAULT_SETTINGS } = require('./lib/vault-settings');

const args = flags(process.argv.slice(2));
const OPS = wholeNumber(args, 'ops', 3000);
const JSON_OUT = filePath(args, 'json', undefined);

/** CPU µs per call of `fn(i)` over `count` sequential calls (after `warm` unmeasured ones). */
async function cpuPerOp(count, fn, warm = Math.min(300, count)) {
  // One running index across warm-up and measurement, so pooled items are each used once.
  for (let i = 0; i < warm; i += 1) await fn(i, true);
  const start = process.cpuUsage();
  for (let i = warm; i < warm + count; i += 1) await fn(i, false);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / count;
}

async function main() {
  const sink = await startServer('doorbell-sink.js');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vault-breakdown-'));
  const { loadConfig } = dist('config');
  const { buildApp } = dist('http/app');
  const pino = vaultRequire('pino');
  const config = loadConfig({
    VAULT_DATA_DIR: dataDir,
    VAULT_MASTER_KEY: crypto.randomBytes(32).toString('base64'),
    VAULT_PUBLIC_URL: 'http://127.0.0.1',
    ...BENCH_VAULT_SETTINGS,
  });
  const logStream = pino.destination({ dest: '/dev/null', sync: true });
  const app = await buildApp(config, { logStream });
  const { vault } = app;
  const origin = `http://127.0.0.1:${sink.info.port}`;
  const { apiKey } = await vault.sites.addSite('bench', origin, 'bench');
  const site = await vault.storage.getSite('bench');
  const form = cardForm();
  const body = createBody(form, `${origin}/api/apps/public/bench/vault-events`);
  const rows = [];
  const row = (layer, what, micros) => rows.push({ layer, what, cpuMicros: micros });

  // Service calls, as the HTTP routes make them (no HTTP, no Fastify), without the doorbell:
  // its deliveries run in the background and overlap, so they are measured on their own below.
  vault.doorbell.close();
  const created = [];
  row(
    'service',
    'create (RequestService.create)',
    await cpuPerOp(OPS, async () => {
      created.push(await vault.requests.create(site, body));
    }),
  );
  const opened = [];
  row(
    'service',
    'open link (openForVisitor)',
    await cpuPerOp(OPS, async (i) => {
      opened.push(await vault.visitors.open(new URL(created[i].visitorUrl).pathname.slice(3)));
    }),
  );
  const submitOtks = opened.map((o) => o.submitPath.split('/')[2]);
  row(
    'service',
    'submit (submitFromVisitor)',
    await cpuPerOp(OPS, (i) => vault.visitors.submit(submitOtks[i], form.values)),
  );
  const requestId = opened[0].view.requestId;
  const minted = [];
  row(
    'service',
    'mint detokenize OTK',
    await cpuPerOp(OPS, async () => {
      minted.push((await vault.requests.mintDetokenizeOtk(site, requestId, 'agent-1')).otk);
    }),
  );
  row(
    'service',
    'detokenize',
    await cpuPerOp(OPS, async (i) => {
      await vault.requests.detokenize(site, minted[i], 'agent-1');
    }),
  );
  row(
    'service',
    'authenticate API key (per API request)',
    await cpuPerOp(OPS, () => vault.sites.authenticate(`Bearer ${apiKey}`)),
  );
  row(
    'service',
    'authenticate a wrong API key (refused: 401)',
    await cpuPerOp(OPS, () =>
      vault.sites.authenticate(`Bearer ${'ivk.0000000000000000.' + 'a'.repeat(43)}`).catch(() => undefined),
    ),
  );

  // Crypto steps inside those calls.
  const { Tokenizer } = dist('crypto/tokenizer');
  const tokenizer = new Tokenizer();
  const siteKey = await vault.sites.activeKey('bench');
  const record = Buffer.from(
    JSON.stringify({
      name: form.values.name,
      pan: '4111111111111111',
      exp: form.values.exp,
      postcode: form.values.postcode,
    }),
  );
  const binding = { siteId: 'bench', recordId: crypto.randomUUID() };
  let token;
  row(
    'crypto',
    'tokenize: JWE encrypt (compact-jwe.ts)',
    await cpuPerOp(OPS, async () => {
      token = await tokenizer.encrypt(binding, siteKey.kid, siteKey.key, record);
    }),
  );
  row(
    'crypto',
    'detokenize: JWE decrypt (compact-jwe.ts)',
    await cpuPerOp(OPS, () => tokenizer.decrypt(binding, token, async () => siteKey.key)),
  );
  row(
    'crypto',
    'site key: read + unwrap with master key (activeKey)',
    await cpuPerOp(OPS, () => vault.sites.activeKey('bench')),
  );

  // Storage steps of a submit, on their own.
  const { hashOtk } = dist('otk/otk');
  const storage = vault.storage;
  row(
    'storage',
    "peekOtk + getRequest (find the submit OTK's request)",
    await cpuPerOp(OPS, async (i) => {
      const otk = await storage.peekOtk(hashOtk(submitOtks[i]), 'submit', Date.now());
      await storage.getRequest(otk ? otk.requestId : requestId);
    }),
  );
  row(
    'storage',
    'audit append alone (own transaction)',
    await cpuPerOp(OPS, () =>
      storage.appendAudit({
        at: Date.now(),
        siteId: 'bench',
        actor: 'bench',
        action: 'bench.tick',
        requestId: null,
        detail: null,
      }),
    ),
  );

  // The doorbell's HTTP client: fetch (what doorbell.ts uses) against node:http with keep-alive.
  const url = `${origin}/api/apps/public/bench/vault-events`;
  const payload = JSON.stringify({ requestId: crypto.randomUUID(), event: 'submitted' });
  row(
    'doorbell',
    'one delivery (open, submit) with fetch + AbortSignal.timeout (as now)',
    await cpuPerOp(OPS, async () => {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: payload,
        redirect: 'manual',
        signal: AbortSignal.timeout(5000),
      });
      await res.arrayBuffer();
    }),
  );
  const agent = new http.Agent({ keepAlive: true });
  row(
    'doorbell',
    'one delivery with node:http + keep-alive agent (proposed)',
    await cpuPerOp(
      OPS,
      () =>
        new Promise((resolve, reject) => {
          const req = http.request(
            url,
            {
              method: 'POST',
              agent,
              headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
              timeout: 5000,
            },
            (res) => {
              res.resume();
              res.on('end', resolve);
            },
          );
          req.on('error', reject);
          req.end(payload);
        }),
    ),
  );
  agent.destroy();

  // Per-request overheads every route pays.
  row(
    'per request',
    'one pino info line (vault logger, redaction on)',
    await cpuPerOp(OPS * 3, () => {
      app.log.info({ method: 'POST', route: '/f/:otk/submit', statusCode: 200, ms: 1.2 }, 'request');
    }),
  );
  row(
    'per request',
    'metrics: one request counted (counter and latency histogram)',
    await cpuPerOp(OPS * 3, () => app.metrics.observeRequest('POST', '/f/:otk/submit', 200, 0.0012)),
  );

  await app.close();
  await sink.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });

  console.log(
    `\nCPU per operation, in-process (${OPS} sequential operations each; load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')})`,
  );
  console.log(
    table(
      ['layer', 'operation', 'CPU µs/op'],
      rows.map((r) => [r.layer, r.what, r.cpuMicros.toFixed(1)]),
    ),
  );
  if (JSON_OUT) fs.writeFileSync(JSON_OUT, JSON.stringify({ ops: OPS, rows }, null, 2) + '\n');
  return rows;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
