import { describeCatalogProblems, parseCatalog } from '../../src/forms/catalog';
import { loadCatalog } from '../../src/forms/load-catalog';
import { translatorFor } from '../../src/i18n/i18n';
import { MAX_LISTED_PROBLEMS, MAX_QUOTED, quoteBack } from '../../src/lib/admin-problems';
import { parseAdminRules } from '../../src/redaction/admin-rules';
import { describeRuleProblems } from '../../src/redaction/counts-report';

const en = translatorFor('en');
const form = (extra: object) => ({ id: 'x', title: 'T', fields: [{ id: 'a', label: 'A', type: 'text' }], ...extra });

describe('what an admin wrote is quoted back clipped', () => {
  it('keeps a short text whole and clips a long one at whole code points', () => {
    expect(quoteBack('colour')).toBe('colour');
    expect(quoteBack('y'.repeat(MAX_QUOTED))).toBe('y'.repeat(MAX_QUOTED));
    expect(quoteBack('y'.repeat(MAX_QUOTED + 1))).toBe(`${'y'.repeat(MAX_QUOTED)}…`);
    const emoji = '😀'.repeat(MAX_QUOTED + 5);
    expect(quoteBack(emoji)).toBe(`${'😀'.repeat(MAX_QUOTED)}…`);
  });

  it('clips a megabyte field type, unknown property or rule text to a line', () => {
    const typed = parseCatalog(JSON.stringify([form({ fields: [{ id: 'a', label: 'A', type: 'q'.repeat(1e6) }] })]));
    expect(describeCatalogProblems(typed.problems, en)).toBe(
      `[0].fields[0].type: Unknown field type "${'q'.repeat(MAX_QUOTED)}…". Use one of: text, number, card_number, expiry, cvv, ssn, date, email, select.`,
    );
    const keyed = parseCatalog(JSON.stringify([form({ ['k'.repeat(1e5)]: 1 })]));
    expect(describeCatalogProblems(keyed.problems, en)).toBe(`[0]: Unknown property "${'k'.repeat(MAX_QUOTED)}…".`);
    for (const line of [
      `${'i'.repeat(1e6)} | mask | both | a`,
      `rule | ${'r'.repeat(1e6)} | both | a`,
      `rule | mask | ${'d'.repeat(1e6)} | a`,
    ]) {
      const text = describeRuleProblems(parseAdminRules(line).problems, en);
      expect(text.length).toBeLessThan(200);
      expect(text).toMatch(/^line 1: the \w+ "(i|r|d){60}…" must be /);
    }
  });

  it('masks a card number, IBAN or SSN the admin typed, wherever a problem would repeat it', () => {
    const card = '4111 1111 1111 1111';
    const catalogs = [
      [form({ fields: [{ id: 'a', label: 'A', type: `card ${card}` }] })],
      [form({ [`x${'y'.repeat(45)} ${card}`]: 1 })],
      [form({ id: '4111111111111111' }), form({ id: '4111111111111111' })],
      [form({ 'ssn 123-45-6789': 1, 'iban DE89 3704 0044 0532 0130 00': 2 })],
    ];
    for (const catalog of catalogs) {
      const told = describeCatalogProblems(parseCatalog(JSON.stringify(catalog)).problems, en);
      expect(told).toMatch(/•/);
      expect(told.replace(/\D/g, '')).not.toMatch(/4111|12345|370400/);
    }
    const broken = describeCatalogProblems(parseCatalog(`[{"id": tru ${card}}]`).problems, en);
    expect(broken).toBe('Not valid JSON.');
    expect(describeCatalogProblems(parseCatalog('[{"id": "x",\n  "title" 4111111111111111}]').problems, en)).toBe(
      'Not valid JSON at line 2, column 11.',
    );
    const rules = describeRuleProblems(
      parseAdminRules(`rule | label ${card} x | both | a\n${card} | mask | both | a`).problems,
      en,
    );
    expect(rules.replace(/\D/g, '')).not.toMatch(/4111/);
  });

  it('shows a field type nested too deep for JSON by its brackets, and the built-in forms go on', () => {
    const deep = `${'['.repeat(100_000)}1${']'.repeat(100_000)}`;
    const catalog = `[{"id":"x","title":"T","fields":[{"id":"a","label":"A","type":${deep}}]}]`;
    const loaded = loadCatalog({ enabledBuiltins: ['ssn'], formCatalog: catalog });
    expect(loaded.forms.map((f) => f.id)).toEqual(['ssn']);
    expect(describeCatalogProblems(loaded.problems, en)).toContain('Unknown field type "[…]"');
    const object = parseCatalog(JSON.stringify([form({ fields: [{ id: 'a', label: 'A', type: { x: 1 } }] })]));
    expect(describeCatalogProblems(object.problems, en)).toContain('Unknown field type "{"x":1}"');
  });
});

describe('a long list of problems names the first ones and counts the rest', () => {
  it('lists twenty of 100,000 unknown properties, then how many more, in the reader’s language', () => {
    const keys: Record<string, number> = {};
    for (let i = 0; i < 100_000; i += 1) keys[`k${i}`] = i;
    const { problems } = parseCatalog(JSON.stringify([form(keys)]));
    expect(problems).toHaveLength(100_000);
    const lines = describeCatalogProblems(problems, en).split('\n');
    expect(lines).toHaveLength(MAX_LISTED_PROBLEMS + 1);
    expect(lines[0]).toBe('[0]: Unknown property "k0".');
    expect(lines[MAX_LISTED_PROBLEMS]).toBe(`… and ${100_000 - MAX_LISTED_PROBLEMS} more.`);
    expect(describeCatalogProblems(problems, translatorFor('de'))).toMatch(/… und 99980 weitere\.$/);
  });

  it('lists twenty of 100,000 unusable masking rule lines, then how many more', () => {
    const { problems } = parseAdminRules(Array.from({ length: 100_000 }, () => 'not a rule').join('\n'));
    const lines = describeRuleProblems(problems, en).split('\n');
    expect(lines).toHaveLength(MAX_LISTED_PROBLEMS + 1);
    expect(lines[MAX_LISTED_PROBLEMS - 1]).toMatch(/^line 20: /);
    expect(lines[MAX_LISTED_PROBLEMS]).toBe('… and 99980 more.');
  });

  it('lists every problem of a short list, without a count', () => {
    const { problems } = parseAdminRules('a\nb');
    expect(describeRuleProblems(problems, en).split('\n')).toEqual([
      'line 1: write id | replacement | directions | pattern',
      'line 2: write id | replacement | directions | pattern',
    ]);
  });
});
