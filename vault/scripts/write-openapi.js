#!/usr/bin/env node
// `npm run openapi`: writes docs/openapi.json from the vault's route schemas (built dist/, no listening).
'use strict';
const fs = require('fs');
const path = require('path');

const target = path.resolve(__dirname, '..', '..', 'docs', 'openapi.json');

require('../dist/http/openapi')
  .openApiDocument()
  .then((document) => {
    fs.writeFileSync(target, `${JSON.stringify(document, null, 2)}\n`);
    console.log(`wrote ${path.relative(process.cwd(), target)} (${Object.keys(document.paths).length} paths)`);
  })
  .catch((error) => {
    console.error(`openapi: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
