/**
 * `POST /v1/requests/:id/events/:event/claim`: several Rocket.Chat instances may hear one doorbell
 * (app persistence has no atomic insert), so they ask the vault which one acts on it. The first
 * claim gets 201, every later one 409 `conflict`; another site's request is unknown (404); the
 * event must be one the app can act on.
 */
import { cardForm, startTestVault, type TestVault } from './helpers/vault';

describe('doorbell events are claimed once', () => {
  let vault: TestVault;
  let requestId: string;
  beforeEach(async () => {
    vault = await startTestVault();
    requestId = (await vault.call('POST', '/v1/requests', cardForm())).json().requestId;
  });
  afterEach(() => vault.close());

  const claim = (event: string, id = requestId, apiKey?: string | null) =>
    vault.call('POST', `/v1/requests/${id}/events/${event}/claim`, undefined, apiKey);

  it('201 for the first claim, 409 for every later one, also when they race', async () => {
    const racing = await Promise.all(Array.from({ length: 5 }, () => claim('submitted')));
    expect(racing.map((r) => r.statusCode).sort()).toEqual([201, 409, 409, 409, 409]);
    const won = racing.find((r) => r.statusCode === 201);
    expect(won?.json()).toEqual({ requestId, event: 'submitted', claimed: true });
    const lost = racing.find((r) => r.statusCode === 409);
    expect(lost?.json().error.code).toBe('conflict');
    expect((await claim('cancelled')).statusCode).toBe(201);
  });

  it("needs the site's key, refuses another site's request and unknown events", async () => {
    expect((await claim('submitted', requestId, null)).statusCode).toBe(401);
    const other = await vault.addSite('site-b');
    expect((await claim('submitted', requestId, other.apiKey)).statusCode).toBe(404);
    expect((await claim('pending')).statusCode).toBe(400);
    expect((await claim('submitted', 'not-a-uuid')).statusCode).toBe(400);
    expect((await claim('submitted')).statusCode).toBe(201);
  });

  it("takes Rocket.Chat's empty form (an app's POST without content) and an empty JSON object alike", async () => {
    const path = `/v1/requests/${requestId}/events`;
    const emptyForm = await vault.call('POST', `${path}/submitted/claim`, '', undefined, {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(emptyForm.statusCode).toBe(201);
    expect((await vault.call('POST', `${path}/cancelled/claim`, {})).statusCode).toBe(201);
  });
});
