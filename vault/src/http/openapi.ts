import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import type { OpenAPIV3 } from 'openapi-types';
import { loadConfig } from '../config';
import { buildApp } from './app';

const INFO: OpenAPIV3.InfoObject = {
  title: 'ID&V & Secure Forms vault',
  version: '1',
  description:
    "The vault's HTTP interface, generated from the routes' schemas (`npm run openapi`). " +
    'The app calls /v1 with its site API key; visitors use /f and the agents their viewer links under /v. ' +
    '/metrics and /readyz are served only on the private operations listener. See docs/vault-api.md.',
};

/** The route groups, by who calls them. */
const TAGS: OpenAPIV3.TagObject[] = [
  {
    name: 'app → vault (/v1)',
    description: "The Rocket.Chat app's calls, with `Authorization: Bearer <site API key>`.",
  },
  {
    name: 'visitor (/f)',
    description: "The visitor's pages behind a single-use link, and their JSON form for custom front ends.",
  },
  {
    name: 'agent viewer (/v)',
    description: "Strict viewing: the agent's browser reads values from the vault's own page.",
  },
  {
    name: 'operations',
    description: 'Health for load balancers; readiness and metrics only on the private operations listener.',
  },
];

/**
 * The vault's OpenAPI document, generated from the routes' schemas on an app that never listens
 * (SQLite in a throwaway folder). Not loaded by the running vault: `npm run openapi` writes it to
 * docs/openapi.json, and a test fails when that file is not current.
 */
export async function openApiDocument(): Promise<OpenAPIV3.Document> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vault-openapi-'));
  const config = loadConfig({
    VAULT_DATA_DIR: dataDir,
    VAULT_MASTER_KEY: randomBytes(32).toString('base64'),
    VAULT_PUBLIC_URL: 'https://vault.example',
    VAULT_LOG_LEVEL: 'silent',
  });
  const documented: FastifyInstance[] = [];
  const app = await buildApp(config, {
    beforeRoutes: async (instance) => {
      documented.push(instance);
      await instance.register(swagger, { openapi: { openapi: '3.0.3', info: INFO, tags: TAGS } });
    },
  });
  try {
    await app.ready();
    await Promise.all(documented.map((instance) => instance.ready()));
    const [main, ...others] = documented.map((instance) => instance.swagger() as OpenAPIV3.Document);
    // The ops listener's routes join the main ones: one document for the whole vault.
    for (const other of others) main.paths = { ...main.paths, ...other.paths };
    main.paths = Object.fromEntries(Object.entries(main.paths).sort(([a], [b]) => a.localeCompare(b)));
    requireTheSiteKeyOnTheApi(main);
    return main;
  } finally {
    await app.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Every /v1 operation takes the site's API key as a bearer token: said so that generated clients send it. */
function requireTheSiteKeyOnTheApi(document: OpenAPIV3.Document): void {
  document.components = {
    ...document.components,
    securitySchemes: {
      siteApiKey: {
        type: 'http',
        scheme: 'bearer',
        description: 'The site API key `vault:cli site add` printed (ivk.…); `X-Vault-Site-Id` may name the site.',
      },
    },
  };
  for (const [route, operations] of Object.entries(document.paths)) {
    if (!route.startsWith('/v1/') || !operations) continue;
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      const operation = operations[method];
      if (operation) operation.security = [{ siteApiKey: [] }];
    }
  }
}
