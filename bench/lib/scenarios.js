'use strict';
// The load scenarios: what autocannon sends to the vault, and the same-shaped requests (same body
// bytes, same answer size) it sends to the bare Fastify echo for the baseline.
const { submitPathInPage } = require('./pools');

const DEAD_LINK = '/f/pool-ran-dry';

/**
 * A setupRequest that hands each request the next pool item; once the pool is empty it sends a
 * dead link (a visible error) and counts it, so a too-small pool cannot pass unnoticed. A pool of
 * items a request does not use up (`pool.reusable`: links a GET only looks at) is gone round again.
 */
function feed(pool, apply) {
  let next = 0;
  const setupRequest = (req) => {
    if (pool.reusable && next >= pool.items.length) next = 0;
    if (next >= pool.items.length) {
      pool.ranDry += 1;
      return { ...req, path: DEAD_LINK };
    }
    return apply(req, pool.items[next++]);
  };
  return setupRequest;
}

function scenarios(ctx) {
  const { apiKey, form, callbackUrl, createBody, sizes } = ctx;
  const api = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };
  const json = { 'content-type': 'application/json' };
  const createJson = JSON.stringify(createBody(form, callbackUrl, 'room-bench'));
  const submitJson = JSON.stringify({ values: form.values });
  const mintJson = JSON.stringify({ agentId: 'agent-1' });
  // A detokenize body of the real size (an OTK is 43 characters).
  const detokenizeJson = JSON.stringify({ otk: 'x'.repeat(43), agentId: 'agent-1' });
  const echo = (body) => ({ method: 'POST', path: '/echo', headers: json, body });
  const blob = (bytes) => ({ method: 'GET', path: `/blob/${bytes}` });
  const parse = (body) => {
    try {
      return JSON.parse(body);
    } catch {
      return {};
    }
  };

  // Mints an OTK for the request `requestIdOf(context)` names and keeps it for the next step.
  const mint = (requestIdOf) => ({
    method: 'POST',
    headers: api,
    body: mintJson,
    setupRequest: (req, context) => ({ ...req, path: `/v1/requests/${requestIdOf(context)}/otk` }),
    onResponse: (status, body, context) => {
      context.otk = status === 201 ? parse(body).otk : undefined;
    },
  });
  // Redeems the OTK the step before minted, on the same connection.
  const detokenizeMinted = () => ({
    method: 'POST',
    path: '/v1/detokenize',
    headers: api,
    setupRequest: (req, context) => ({
      ...req,
      body: JSON.stringify({ otk: context.otk || 'none', agentId: 'agent-1' }),
    }),
  });

  // Mint for a spread of submitted requests, then redeem the minted OTK on the same connection.
  const mintThenDetokenize = (requestIds) => {
    let k = 0;
    return [mint(() => requestIds[k++ % requestIds.length]), detokenizeMinted()];
  };

  return [
    {
      key: 'create',
      title: 'request creation (POST /v1/requests)',
      vault: () => [{ method: 'POST', path: '/v1/requests', headers: api, body: createJson }],
      baseline: () => [echo(createJson)],
    },
    {
      key: 'page',
      title: 'visitor page GET (HTML start page; only looks, the link stays unopened)',
      // The GET opens nothing (scanners must not use links up), so a few hundred links go round.
      pool: { kind: 'links', reusable: 512 },
      vault: (pool) => [
        {
          method: 'GET',
          headers: { accept: 'text/html' },
          setupRequest: feed(pool, (req, item) => ({ ...req, path: item.visitorPath })),
        },
      ],
      baseline: () => [blob(sizes.page)],
    },
    {
      key: 'submit',
      title: 'visitor submit, 5-field card form',
      pool: { kind: 'opened', perIteration: 1 },
      halfRate: true,
      target: 'ratio',
      vault: (pool) => [
        {
          method: 'POST',
          headers: json,
          body: submitJson,
          setupRequest: feed(pool, (req, item) => ({ ...req, path: item.submitPath })),
        },
      ],
      baseline: () => [echo(submitJson)],
    },
    {
      key: 'detokenize',
      title: 'agent detokenize (pre-minted OTKs)',
      pool: { kind: 'otks', perIteration: 1 },
      halfRate: true,
      target: 'ratio',
      vault: (pool) => [
        {
          method: 'POST',
          path: '/v1/detokenize',
          headers: api,
          setupRequest: feed(pool, (req, otk) => ({ ...req, body: JSON.stringify({ otk, agentId: 'agent-1' }) })),
        },
      ],
      baseline: () => [echo(detokenizeJson)],
    },
    {
      key: 'mint+detokenize',
      title: 'agent mint OTK + detokenize (pairs, counted per request)',
      pool: { kind: 'submitted', fixed: 64 },
      halfRate: true,
      vault: (pool) => mintThenDetokenize(pool.items),
      baseline: () => [echo(mintJson), echo(detokenizeJson)],
    },
    {
      key: 'mixed',
      title: 'mixed: create → page → start → submit → state → mint → detokenize',
      halfRate: true,
      vault: () => [
        {
          method: 'POST',
          path: '/v1/requests',
          headers: api,
          body: createJson,
          onResponse: (status, body, context) => {
            const created = status === 201 ? parse(body) : {};
            context.requestId = created.requestId;
            context.visitorPath = created.visitorUrl ? new URL(created.visitorUrl).pathname : undefined;
          },
        },
        // The visitor's page only looks; the visitor's own POST "start" opens the link and
        // answers the form page, which carries the submit path.
        {
          method: 'GET',
          headers: { accept: 'text/html' },
          setupRequest: (req, context) => ({ ...req, path: context.visitorPath || DEAD_LINK }),
        },
        {
          method: 'POST',
          headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
          body: '',
          setupRequest: (req, context) => ({ ...req, path: context.visitorPath || DEAD_LINK }),
          onResponse: (status, body, context) => {
            context.submitPath = status === 200 ? submitPathInPage(body) : undefined;
          },
        },
        {
          method: 'POST',
          headers: json,
          body: submitJson,
          setupRequest: (req, context) => ({ ...req, path: context.submitPath || `${DEAD_LINK}/submit` }),
        },
        {
          method: 'GET',
          headers: api,
          setupRequest: (req, context) => ({ ...req, path: `/v1/requests/${context.requestId || 'none'}` }),
        },
        mint((context) => context.requestId || 'none'),
        detokenizeMinted(),
      ],
      baseline: () => [
        echo(createJson),
        blob(sizes.page),
        blob(sizes.form),
        echo(submitJson),
        blob(sizes.state),
        echo(mintJson),
        echo(detokenizeJson),
      ],
    },
  ];
}

module.exports = { scenarios };
