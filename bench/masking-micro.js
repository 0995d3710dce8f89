#!/usr/bin/env node
'use strict';
// `npm run bench:masking`: the masking code alone, in-process (no engine, no round trip): how long
// redactText takes per message with the default rules and with every rule on, on the hook bench's
// messages, and on a hostile message against hostile admin patterns. Prints p50/p99 per case.
const { requireTypeScript } = require('./lib/cli');

requireTypeScript();

const { MESSAGES, BENCH_RULES } = require('./message-hooks/scenarios.ts');
const { redactText } = require('../src/redaction/redact.ts');
const { builtinRules } = require('../src/redaction/rules.ts');
const { parseAdminRules } = require('../src/redaction/admin-rules.ts');

const ITERATIONS = Number((process.argv.find((a) => a.startsWith('--iterations=')) || '=2000').split('=')[1]);
const defaults = builtinRules(['card', 'ssn', 'iban']);
const rulesOn = [...builtinRules(['card', 'ssn', 'iban', 'email', 'phone']), ...parseAdminRules(BENCH_RULES).rules];
const hostileRules = [
  ...rulesOn,
  ...parseAdminRules(
    ['nested | mask | both | (a+)+$', 'rescan | mask | both | x(.*y)?', 'wide | mask | both | \\p{L}{190}\\d'].join(
      '\n',
    ),
  ).rules,
];
const hostileText = `${'a'.repeat(1500)}${'x'.repeat(1500)}${'é'.repeat(1970)} 4111 1111 1111 1111`;

function time(rules, text) {
  const samples = [];
  for (let i = 0; i < ITERATIONS; i++) {
    const started = process.hrtime.bigint();
    redactText(text, rules, 'visitor');
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  samples.sort((a, b) => a - b);
  const at = (p) => samples[Math.min(samples.length - 1, Math.ceil((p / 100) * samples.length) - 1)];
  return `${at(50).toFixed(3)} / ${at(99).toFixed(3)}`;
}

const rows = [['message', 'chars', 'defaults p50 / p99 ms', 'every rule on p50 / p99 ms']];
for (const scenario of MESSAGES.filter((m) => m.room === 'livechat' && m.hook === 'sent')) {
  rows.push([scenario.name, String(scenario.text.length), time(defaults, scenario.text), time(rulesOn, scenario.text)]);
}
rows.push([
  'hostile text, hostile patterns',
  String(hostileText.length),
  time(defaults, hostileText),
  time(hostileRules, hostileText),
]);
const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
console.log(rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c])).join('  ')).join('\n'));
