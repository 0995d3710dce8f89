#!/usr/bin/env node
'use strict';
// Summarizes a V8 .cpuprofile (from `node --cpu-prof`): where the samples fall, by self time per
// function and by package (node-jose, node-forge, fastify, pino, better-sqlite3, …).
// Usage: node bench/lib/cpuprofile-summary.js <file.cpuprofile> [top=25]
const fs = require('node:fs');

function summarize(file, top = 25) {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const counts = new Map();
  for (const id of profile.samples) counts.set(id, (counts.get(id) || 0) + 1);
  const total = profile.samples.length;
  const selfByFn = new Map();
  const selfByPkg = new Map();
  for (const [id, count] of counts) {
    const { callFrame } = byId.get(id);
    const name = `${callFrame.functionName || '(anonymous)'} ${shortUrl(callFrame.url)}:${callFrame.lineNumber + 1}`;
    selfByFn.set(name, (selfByFn.get(name) || 0) + count);
    const pkg = packageOf(callFrame);
    selfByPkg.set(pkg, (selfByPkg.get(pkg) || 0) + count);
  }
  // Inclusive time: every sample counts once for each distinct function on its stack.
  const parent = new Map();
  for (const n of profile.nodes) for (const child of n.children || []) parent.set(child, n.id);
  const inclusive = new Map();
  for (const [id, count] of counts) {
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const { callFrame } = byId.get(cur);
      if (!callFrame.url) continue;
      seen.add(`${callFrame.functionName || '(anonymous)'} ${shortUrl(callFrame.url)}:${callFrame.lineNumber + 1}`);
    }
    for (const name of seen) inclusive.set(name, (inclusive.get(name) || 0) + count);
  }
  const pct = (n) => `${((100 * n) / total).toFixed(1).padStart(5)}%`;
  const sorted = (map) => [...map].sort((a, b) => b[1] - a[1]);
  const lines = [`${file}: ${total} samples`, '', 'self time by package:'];
  for (const [pkg, n] of sorted(selfByPkg)) lines.push(`  ${pct(n)}  ${pkg}`);
  lines.push('', `self time, top ${top} functions:`);
  for (const [fn, n] of sorted(selfByFn).slice(0, top)) lines.push(`  ${pct(n)}  ${fn}`);
  lines.push('', `inclusive time, top ${top} of the vault's own functions and library entry points:`);
  const interesting =
    /^(\S+ )?(vault\/|node-jose\/lib\/jwe\/|node-jose\/lib\/jwk\/keystore|pino\/lib\/proto|better-sqlite3\/lib\/methods|fastify\/lib\/(route|handleRequest|reply)|prom-client\/lib\/(histogram|counter)|@fastify\/rate-limit|node:internal\/deps\/undici|node:internal\/abort_controller)/;
  for (const [fn, n] of sorted(inclusive)
    .filter(([fn]) => interesting.test(fn.split(' ').slice(1).join(' ')))
    .slice(0, top))
    lines.push(`  ${pct(n)}  ${fn}`);
  return lines.join('\n');
}

function shortUrl(url) {
  if (!url) return '(native)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) return url.slice(nm + 'node_modules/'.length);
  const dist = url.indexOf('/vault/dist/');
  if (dist >= 0) return `vault/${url.slice(dist + '/vault/dist/'.length)}`;
  return url.replace(/^file:\/\//, '');
}

function packageOf(callFrame) {
  const url = callFrame.url || '';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.includes('/vault/dist/')) return 'vault (own code)';
  if (url.startsWith('node:')) return 'node internals (JS)';
  if (!url) {
    const fn = callFrame.functionName;
    if (fn === '(garbage collector)') return '(garbage collector)';
    if (fn === '(idle)' || fn === '(program)') return fn;
    return '(native / V8 builtins)';
  }
  return url.replace(/^file:\/\//, '');
}

module.exports = { summarize, packageOf, shortUrl };

if (require.main === module) {
  console.log(summarize(process.argv[2], Number(process.argv[3] || 25)));
}
