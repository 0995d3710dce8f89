import {
  cardForm,
  futureExpiry,
  idvRequest,
  openPage,
  pathOf,
  startTestVault,
  TestClock,
  type TestVault,
  useClockedVault,
} from './helpers/vault';

/**
 * Link previewers and SMS/e-mail scanners fetch the links in messages: a GET (or HEAD) must change
 * nothing, and only the visitor's own POST opens the request. After submit or cancel the browser
 * lands on a plain GET page, so a reload re-posts nothing and still says what happened.
 */
describe('visitor links and link scanners', () => {
  let vault: TestVault;
  let clock: TestClock;
  useClockedVault((started) => {
    ({ vault, clock } = started);
  });

  async function create(body = cardForm()): Promise<{ requestId: string; visitorUrl: string }> {
    return (await vault.call('POST', '/v1/requests', body)).json();
  }

  const status = async (requestId: string) =>
    (await vault.call('GET', `/v1/requests/${requestId}`)).json().status as string;

  it('GETs and HEADs by scanners use nothing up; the visitor opens the link afterwards', async () => {
    const { requestId, visitorUrl } = await create();
    const scans = [];
    for (const accept of ['text/html', '*/*', undefined]) {
      scans.push(await vault.call('GET', pathOf(visitorUrl), undefined, null, accept ? { accept } : {}));
    }
    // A HEAD has no body to carry a submit key back in, whatever it accepts: it opens nothing.
    for (const accept of ['text/html', 'application/json']) {
      const head = await vault.call('HEAD', pathOf(visitorUrl), undefined, null, { accept });
      expect(head.statusCode).toBe(200);
    }
    for (const scan of scans) {
      expect(scan.statusCode).toBe(200);
      expect(scan.headers['content-type']).toMatch(/text\/html/);
      expect(scan.body).toContain('Open the secure form');
      // No script: a scanner that runs scripts must not take the step either.
      expect(scan.body).not.toMatch(/<script/i);
    }
    expect(await status(requestId)).toBe('pending');
    const audited = await vault.app.vault.storage.readAudit(0, 1000);
    expect(audited.filter((entry) => entry.requestId === requestId).map((entry) => entry.action)).toEqual([
      'request.create',
    ]);

    const page = await openPage(vault, visitorUrl);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('id="visitor-form"');
    expect(await status(requestId)).toBe('opened');
  });

  it('the start step posts to the link itself, and its page is in the request locale', async () => {
    const { visitorUrl } = await create(idvRequest({ locale: 'es' }));
    const start = await vault.call('GET', pathOf(visitorUrl), undefined, null);
    expect(start.body).toContain('<html lang="es"');
    expect(start.body).toContain(`action="${pathOf(visitorUrl)}"`);
    expect(start.body).toContain('Abrir el formulario seguro');
    // An ID&V start step shows no secret's name, only that it is an identity check (looked for
    // outside the link, whose random OTK spells "PIN" about once in 6,000 runs).
    expect(start.body.replaceAll(pathOf(visitorUrl), '')).not.toContain('PIN');
  });

  it("a request made with no locale speaks the visitor's browser language: its pages, its labels, its JSON", async () => {
    const { visitorUrl } = await create(idvRequest({ locale: undefined }));
    const german = { 'accept-language': 'de-DE,de;q=0.9,en;q=0.5' };
    const start = await vault.call('GET', pathOf(visitorUrl), undefined, null, german);
    expect(start.body).toContain('<html lang="de"');
    const opened = await vault.call('GET', pathOf(visitorUrl), undefined, null, {
      accept: 'application/json',
      'accept-language': 'ja',
    });
    expect(opened.json().locale).toBe('ja');
    expect(opened.json().fields.map((field: { label: string }) => field.label)).toEqual(['2文字目', '4文字目']);
    const page = await vault.call('POST', pathOf(visitorUrl), undefined, null, german);
    expect(page.statusCode).toBe(404); // the JSON GET above was the single use
    const again = await create(idvRequest({ locale: undefined }));
    const form = await vault.call('POST', pathOf(again.visitorUrl), 'action=start', null, {
      ...german,
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(form.body).toContain('<html lang="de"');
    expect(form.body).toContain('Zeichen 2');
    // A JSON submit's field errors name the fields in the same language.
    const third = await create(idvRequest({ locale: undefined }));
    const view = (
      await vault.call('POST', pathOf(third.visitorUrl), undefined, null, { ...german, accept: 'application/json' })
    ).json();
    const refused = await vault.call('POST', pathOf(view.submitUrl), { values: { 2: '1' } }, null, german);
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error.fields['4']).toMatch(/^Zeichen 4/);
    // With neither, English.
    const plain = await create(idvRequest({ locale: undefined }));
    expect((await vault.call('GET', pathOf(plain.visitorUrl), undefined, null)).body).toContain('<html lang="en"');
  });

  it('the POST is the single use: a second POST, and any GET after it, find a dead link', async () => {
    const { visitorUrl } = await create();
    expect((await openPage(vault, visitorUrl)).statusCode).toBe(200);
    const again = await vault.app.inject({ method: 'POST', url: pathOf(visitorUrl) });
    const looked = await vault.call('GET', pathOf(visitorUrl), undefined, null);
    const unknown = await vault.call('GET', `/f/${'x'.repeat(43)}`, undefined, null);
    for (const dead of [again, looked]) {
      expect(dead.statusCode).toBe(404);
      expect(dead.body).toBe(unknown.body);
    }
  });

  it('an expired link, or one whose room closed, is dead on GET too', async () => {
    const closed = await create(cardForm({ roomId: 'room-closing' }));
    expect((await vault.call('POST', '/v1/sessions/close', { roomId: 'room-closing' })).statusCode).toBe(204);
    const expired = await create();
    clock.advance(5 * 60 + 1);
    for (const url of [closed.visitorUrl, expired.visitorUrl]) {
      const page = await vault.call('GET', pathOf(url), undefined, null);
      expect(page.statusCode).toBe(404);
      expect(page.body).not.toContain('Card payment');
    }
  });

  it('JSON clients: GET with Accept: application/json opens (documented), and so does POST', async () => {
    const first = await create();
    const got = await vault.call('GET', pathOf(first.visitorUrl), undefined, null, { accept: 'application/json' });
    expect(got.statusCode).toBe(200);
    expect(got.json().submitUrl).toMatch(/\/f\/[A-Za-z0-9_-]{43}\/submit$/);
    expect(await status(first.requestId)).toBe('opened');

    const second = await create();
    const posted = await vault.app.inject({
      method: 'POST',
      url: pathOf(second.visitorUrl),
      headers: { accept: 'application/json' },
    });
    expect(posted.statusCode).toBe(200);
    expect(posted.json()).toMatchObject({ requestId: second.requestId, kind: 'form', title: 'Card payment' });
    const reused = await vault.app.inject({
      method: 'POST',
      url: pathOf(second.visitorUrl),
      headers: { accept: 'application/json' },
    });
    expect(reused.statusCode).toBe(404);
    expect(reused.json().error.code).toBe('not_found');
  });
});

describe('the pages after submit and cancel survive a reload', () => {
  let vault: TestVault;
  beforeEach(async () => {
    vault = await startTestVault();
  });
  afterEach(() => vault.close());

  async function openedForm(locale = 'en'): Promise<{ submit: string; cancel: string; requestId: string }> {
    const created = (await vault.call('POST', '/v1/requests', cardForm({ locale }))).json();
    const page = (await openPage(vault, created.visitorUrl)).body;
    return {
      requestId: created.requestId,
      submit: /action="([^"]+\/submit)"/.exec(page)![1],
      cancel: /action="([^"]+\/cancel)"/.exec(page)![1],
    };
  }

  const postForm = (url: string, payload: string) =>
    vault.app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload,
    });

  it('submit redirects (303) to a final page whose URL holds no OTK, and reloading it changes nothing', async () => {
    const { submit, requestId } = await openedForm('de');
    const values = new URLSearchParams({
      'v.name': 'Ada',
      'v.pan': '4111111111111111',
      'v.exp': futureExpiry(),
      'v.cvv': '123',
    });
    const done = await postForm(submit, values.toString());
    expect(done.statusCode).toBe(303);
    const location = done.headers.location as string;
    expect(location).toBe('/done/submitted?lang=de');
    expect(location).not.toContain(submit.split('/')[2]);
    expect(done.body).not.toMatch(/nicht mehr gültig|no longer valid/);
    const auditBefore = (await vault.call('GET', `/v1/requests/${requestId}`)).json();
    for (let reload = 0; reload < 3; reload += 1) {
      const final = await vault.call('GET', location, undefined, null);
      expect(final.statusCode).toBe(200);
      expect(final.body).toContain('<html lang="de"');
      expect(final.body).toMatch(/<h1[^>]*>Sicher gesendet<\/h1>/);
      expect(final.headers['cache-control']).toBe('no-store');
    }
    expect((await vault.call('GET', `/v1/requests/${requestId}`)).json()).toEqual(auditBefore);
    // The browser's "resend" of the submit itself still finds a dead link: nothing is stored twice.
    const resent = await postForm(submit, values.toString());
    expect([resent.statusCode, resent.headers.location]).toEqual([303, '/done/invalid?lang=en']);
  });

  it('a post to a dead link is sent on to the dead-link page, so no history entry holds its values', async () => {
    const { submit, cancel } = await openedForm();
    expect((await postForm(cancel, 'action=cancel')).statusCode).toBe(303);
    for (const [url, payload] of [
      [submit, 'v.pan=4111111111111111&v.cvv=737'],
      [cancel, 'action=cancel'],
    ]) {
      const dead = await vault.app.inject({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'accept-language': 'de' },
        payload,
      });
      expect([dead.statusCode, dead.headers.location, dead.body]).toEqual([303, '/done/invalid?lang=de', '']);
    }
    const page = await vault.call('GET', '/done/invalid?lang=de', undefined, null);
    expect(page.statusCode).toBe(404);
    expect(page.body).toContain('<html lang="de"');
    expect(page.body).toBe(
      (await vault.call('GET', '/f/unknown-link', undefined, null, { 'accept-language': 'de' })).body,
    );
    // A JSON client keeps its 404.
    const json = await vault.call('POST', submit, { values: { pan: '4111111111111111' } }, null);
    expect([json.statusCode, json.json().error.code]).toEqual([404, 'not_found']);
  });

  it('cancel redirects to its own final page', async () => {
    const { cancel } = await openedForm();
    const done = await postForm(cancel, 'action=cancel');
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe('/done/cancelled?lang=en');
    const final = await vault.call('GET', done.headers.location as string, undefined, null);
    expect(final.body).toMatch(/<h1[^>]*>Nothing was sent<\/h1>/);
  });

  it('a final page with an unknown outcome is a 404, and a hostile lang is never echoed', async () => {
    expect((await vault.call('GET', '/done/opened', undefined, null)).statusCode).toBe(404);
    const hostile = await vault.call('GET', '/done/submitted?lang=%22%3E%3Cscript%3E', undefined, null, {
      'accept-language': 'fr',
    });
    expect(hostile.statusCode).toBe(200);
    expect(hostile.body).toContain('<html lang="fr"');
    expect(hostile.body).not.toContain('<script>');
  });

  it('JSON submits still answer 200 with a status, no redirect', async () => {
    const created = (await vault.call('POST', '/v1/requests', idvRequest())).json();
    const view = (
      await vault.call('GET', pathOf(created.visitorUrl), undefined, null, { accept: 'application/json' })
    ).json();
    const submitted = await vault.call('POST', pathOf(view.submitUrl), { values: { 2: '7', 4: '3' } }, null);
    expect(submitted.statusCode).toBe(200);
    expect(submitted.json()).toEqual({ status: 'submitted' });
  });
});
