'use strict';
// EXPERIMENT (bench --experiment=doorbell-http only; the vault never loads this): gives the
// vault process a global `fetch` built on node:http with a bounded keep-alive agent, to measure
// what the doorbell would cost if doorbell.ts used node:http instead of fetch + AbortSignal.timeout.
// It implements only what the doorbell uses: POST with headers and a string body, status, and
// draining the answer; a timeout from the signal is honoured by destroying the request.
const http = require('node:http');
const https = require('node:https');

const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 64 }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 64 }),
};

function fetchOverNodeHttp(url, init = {}) {
  const target = new URL(url);
  const client = target.protocol === 'https:' ? https : http;
  const body = init.body === undefined ? undefined : Buffer.from(String(init.body));
  return new Promise((resolve, reject) => {
    const req = client.request(
      target,
      {
        method: init.method || 'GET',
        agent: agents[target.protocol],
        headers: { ...(init.headers || {}), ...(body ? { 'content-length': body.length } : {}) },
        timeout: 5000,
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode,
            ok: res.statusCode >= 200 && res.statusCode < 300,
            arrayBuffer: async () => Buffer.concat(chunks),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

globalThis.fetch = fetchOverNodeHttp;
