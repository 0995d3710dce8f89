'use strict';
// A small keep-alive HTTP client for setting up pools (not timed): JSON in, JSON or text out.
const http = require('node:http');

class Client {
  constructor(base, headers = {}) {
    this.base = new URL(base);
    this.headers = headers;
    this.agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  }

  request(method, path, body, headers = {}) {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: this.base.hostname,
          port: this.base.port,
          method,
          path,
          agent: this.agent,
          headers: {
            ...this.headers,
            ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}),
            ...headers,
          },
        },
        (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const json = /json/.test(res.headers['content-type'] || '') && text ? JSON.parse(text) : undefined;
            resolve({ status: res.statusCode, text, json });
          });
        },
      );
      req.on('error', reject);
      if (payload) req.write(payload);
      req.end();
    });
  }

  /** Like `request`, but any status other than `expected` is an error (with the error code only). */
  async expect(expected, method, path, body, headers) {
    const res = await this.request(method, path, body, headers);
    if (res.status !== expected)
      throw new Error(
        `${method} ${path.replace(/[A-Za-z0-9_-]{43}/g, '<otk>')} → ${res.status} ${res.json?.error?.code ?? ''}`,
      );
    return res;
  }

  close() {
    this.agent.destroy();
  }
}

/** Runs `task(i)` for i in [0, count) with at most `concurrency` at once; returns results in order. */
async function parallel(count, concurrency, task) {
  const results = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      results[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}

module.exports = { Client, parallel };
