'use strict';
// Pre-made, untimed state the timed runs consume: fresh links, opened links (submit paths),
// submitted requests, and minted detokenize OTKs, all made through the vault's own HTTP API.
const { parallel } = require('./client');

const OTK_IN_PATH = /\/f\/([A-Za-z0-9_-]{43})\/submit/;
const CONCURRENCY = 8;

class Pools {
  constructor(client, form, callbackUrl, createBody) {
    this.client = client;
    this.form = form;
    this.callbackUrl = callbackUrl;
    this.createBody = createBody;
    this.made = 0;
  }

  /** `n` fresh visitor links (paths), as the app would post them to the visitor. */
  async links(n) {
    return parallel(n, CONCURRENCY, async () => {
      const room = `room-${this.made++ % 97}`;
      const res = await this.client.expect(
        201,
        'POST',
        '/v1/requests',
        this.createBody(this.form, this.callbackUrl, room),
      );
      return { requestId: res.json.requestId, visitorPath: new URL(res.json.visitorUrl).pathname };
    });
  }

  /** `n` opened requests: the link was opened as the page's JSON front end does. */
  async opened(n) {
    const links = await this.links(n);
    return parallel(n, CONCURRENCY, async (i) => {
      const res = await this.client.expect(200, 'GET', links[i].visitorPath, undefined, { accept: 'application/json' });
      return { requestId: res.json.requestId, submitPath: new URL(res.json.submitUrl).pathname };
    });
  }

  /** `n` submitted requests (their IDs). */
  async submitted(n) {
    const opened = await this.opened(n);
    await parallel(n, CONCURRENCY, (i) =>
      this.client.expect(200, 'POST', opened[i].submitPath, { values: this.form.values }),
    );
    return opened.map((o) => o.requestId);
  }

  /** `n` detokenize OTKs for agent-1, spread over the given submitted requests. */
  async detokenizeOtks(n, requestIds) {
    return parallel(n, CONCURRENCY, async (i) => {
      const res = await this.client.expect(201, 'POST', `/v1/requests/${requestIds[i % requestIds.length]}/otk`, {
        agentId: 'agent-1',
      });
      return res.json.otk;
    });
  }
}

/** The submit path a visitor page (HTML) carries, or undefined. */
function submitPathInPage(html) {
  const match = OTK_IN_PATH.exec(html);
  return match ? `/f/${match[1]}/submit` : undefined;
}

module.exports = { Pools, submitPathInPage };
