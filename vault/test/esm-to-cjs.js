// Jest cannot load ESM-only dependencies (light-my-request → cookie 2): compile them to CommonJS.
'use strict';
const { transformSync } = require('esbuild');

module.exports = {
  process(source, file) {
    return { code: transformSync(source, { format: 'cjs', loader: 'js', target: 'node20', sourcefile: file }).code };
  },
};
