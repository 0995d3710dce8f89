#!/usr/bin/env node
'use strict';
// The baseline: a bare Fastify 5 server (same version as the vault's, default options, no logger)
// that answers a JSON echo. POST /echo sends the parsed body back; GET /blob/:bytes sends a JSON
// document of that many bytes (for the page GET, whose answer is bigger than its request).
const { vaultRequire } = require('../lib/paths');

const Fastify = vaultRequire('fastify');

async function main() {
  const app = Fastify({ bodyLimit: 64 * 1024 });
  app.post('/echo', async (request) => request.body);
  const blobs = new Map();
  app.get('/blob/:bytes', async (request, reply) => {
    const bytes = Math.min(Number(request.params.bytes) || 0, 1 << 20);
    if (!blobs.has(bytes)) blobs.set(bytes, JSON.stringify({ data: 'x'.repeat(Math.max(0, bytes - 11)) }));
    return reply.type('application/json').send(blobs.get(bytes));
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  process.send({ type: 'ready', port: app.server.address().port });
  process.on('message', (message) => {
    if (message && message.type === 'stop') app.close().then(() => process.exit(0));
  });
  process.on('disconnect', () => process.exit(0));
}

main().catch((error) => {
  console.error(`bench bare server failed: ${error && error.message}`);
  process.exit(1);
});
