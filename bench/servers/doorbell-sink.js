#!/usr/bin/env node
'use strict';
// Stands in for the Rocket.Chat app's doorbell endpoint: every POST gets a 204, so the vault's
// background deliveries succeed at once (as against a healthy app) instead of retrying.
const http = require('node:http');

let delivered = 0;
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    delivered += 1;
    res.statusCode = 204;
    res.end();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.send({ type: 'ready', port: server.address().port }));
process.on('message', (message) => {
  if (message && message.type === 'count') process.send({ type: 'count', delivered });
  if (message && message.type === 'stop') server.close(() => process.exit(0));
});
process.on('disconnect', () => process.exit(0));
