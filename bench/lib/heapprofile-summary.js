'use strict';
// Summarizes a V8 sampling heap profile (.heapprofile, from the inspector's HeapProfiler): the bytes
// allocated where, by package and by function (self), as cpuprofile-summary.js does for time.
const fs = require('node:fs');
const { packageOf, shortUrl } = require('./cpuprofile-summary');

function summarizeHeapProfile(file, { top = 12, per = 1 } = {}) {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
  const byPkg = new Map();
  const byFn = new Map();
  let total = 0;
  const visit = (node) => {
    if (node.selfSize > 0) {
      const { callFrame } = node;
      total += node.selfSize;
      const pkg = packageOf(callFrame);
      byPkg.set(pkg, (byPkg.get(pkg) || 0) + node.selfSize);
      const name = `${callFrame.functionName || '(anonymous)'} ${shortUrl(callFrame.url)}:${callFrame.lineNumber + 1}`;
      byFn.set(name, (byFn.get(name) || 0) + node.selfSize);
    }
    for (const child of node.children || []) visit(child);
  };
  visit(profile.head);
  const kb = (bytes) => `${(bytes / per / 1024).toFixed(1).padStart(6)} KB`;
  const sorted = (map) => [...map].sort((a, b) => b[1] - a[1]);
  const lines = [`  sampled ${kb(total)} per request; by package:`];
  for (const [pkg, bytes] of sorted(byPkg).slice(0, top)) lines.push(`    ${kb(bytes)}  ${pkg}`);
  lines.push(`  top ${top} functions (self):`);
  for (const [fn, bytes] of sorted(byFn).slice(0, top)) lines.push(`    ${kb(bytes)}  ${fn}`);
  return lines.join('\n');
}

module.exports = { summarizeHeapProfile };
