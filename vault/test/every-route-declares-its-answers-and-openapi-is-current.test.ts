import fs from 'node:fs';
import path from 'node:path';
import { openApiDocument } from '../src/http/openapi';
import { cardForm, startTestVault, type TestVault } from './helpers/vault';

const COMMITTED = path.resolve(__dirname, '..', '..', 'docs', 'openapi.json');
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

describe('response schemas and the OpenAPI document', () => {
  let generated: Awaited<ReturnType<typeof openApiDocument>>;
  beforeAll(async () => {
    generated = await openApiDocument();
  });

  it('docs/openapi.json is the document the routes generate (run `npm run openapi` when this fails)', () => {
    const committed = JSON.parse(fs.readFileSync(COMMITTED, 'utf8')) as unknown;
    expect(committed).toEqual(generated);
  });

  it('every route has a tag, a summary and a description, and says what each of its answers means', () => {
    const undocumented: string[] = [];
    const tags = new Set((generated.tags ?? []).map((tag) => tag.name));
    for (const [route, item] of Object.entries(generated.paths)) {
      for (const method of METHODS) {
        const operation = item?.[method];
        if (!operation) continue;
        const name = `${method.toUpperCase()} ${route}`;
        if (!operation.summary || !operation.description) undocumented.push(`${name}: summary or description`);
        if (operation.tags?.length !== 1 || !tags.has(operation.tags[0])) undocumented.push(`${name}: tag`);
        for (const [status, answer] of Object.entries(operation.responses)) {
          // @fastify/swagger writes this where a route's schema gives its answer no description.
          if (!('description' in answer) || answer.description === 'Default Response') {
            undocumented.push(`${name} ${status}`);
          }
        }
      }
    }
    expect(undocumented).toEqual([]);
  });

  it("says that the /v1 routes, and only they, take the site's API key as a bearer token", () => {
    expect(generated.components?.securitySchemes).toEqual({
      siteApiKey: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
    });
    const secured = Object.entries(generated.paths).flatMap(([route, item]) =>
      METHODS.filter((method) => item?.[method]).map((method) => [route, item![method]!.security] as const),
    );
    expect(secured.length).toBeGreaterThan(10);
    for (const [route, security] of secured)
      expect({ route, security }).toEqual({
        route,
        security: route.startsWith('/v1/') ? [{ siteApiKey: [] }] : undefined,
      });
  });

  it('every route declares what it answers, errors included', () => {
    const undeclared: string[] = [];
    for (const [route, item] of Object.entries(generated.paths)) {
      for (const method of METHODS) {
        const operation = item?.[method];
        if (!operation) continue;
        const answers = Object.entries(operation.responses);
        // A route without a response schema shows up as a bare "200: Default Response".
        const declared = answers.some(
          ([status, answer]) => /^[23]/.test(status) && ('content' in answer || status === '204' || status === '303'),
        );
        const errors = ['/healthz', '/readyz', '/metrics'].includes(route) || answers.some(([s]) => s === '4XX');
        if (!declared || !errors) undeclared.push(`${method.toUpperCase()} ${route}`);
      }
    }
    expect(undeclared).toEqual([]);
    expect(Object.keys(generated.paths)).toEqual(
      expect.arrayContaining(['/v1/requests', '/v1/detokenize', '/f/{otk}', '/v/s/{handle}/reveal', '/readyz']),
    );
  });
});

describe('a field the schema does not list is never sent', () => {
  let vault: TestVault;
  beforeAll(async () => {
    vault = await startTestVault();
  });
  afterAll(async () => {
    await vault.close();
  });

  it('drops what a service adds to its answer', async () => {
    const created = await vault.call('POST', '/v1/requests', cardForm());
    const { requestId } = created.json() as { requestId: string };
    const requests = vault.app.vault.requests;
    const state = requests.state.bind(requests);
    jest
      .spyOn(requests, 'state')
      .mockImplementation(async (...args) => ({ ...(await state(...args)), values: { pan: '4111111111111111' } }));
    const answer = await vault.call('GET', `/v1/requests/${requestId}`);
    expect(answer.statusCode).toBe(200);
    expect(answer.json()).toMatchObject({ requestId, status: 'pending' });
    expect(answer.body).not.toContain('values');
    expect(answer.body).not.toContain('4111111111111111');
  });
});
