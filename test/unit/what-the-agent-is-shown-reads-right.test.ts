import { translatorFor } from '../../src/i18n/i18n';
import { noticeCharacter, plainCharacter } from '../../src/ui/answer-characters';
import { buildValuesBlocks } from '../../src/ui/values-notice';
import { blockTexts } from '../../testkit/uikit-preview';
import { readAnswerCharacter } from '../../vault/src/contract/answer-character';

const en = translatorFor('en');

describe("an ID&V answer's characters as the agent reads them", () => {
  it('are in inline code in the notice, so no markup sign is read as markup and lookalikes show apart', () => {
    for (const character of ['7', 'O', '0', 'l', 'I', '*', '_', '~', '|', '#', '@', ':', '<', '\\', 'é', '😀']) {
      expect(noticeCharacter(character, en)).toBe(`\`${character}\``);
    }
    // A backtick cannot sit inside inline code: Rocket.Chat's escape shows it as typed.
    expect(noticeCharacter('`', en)).toBe('\\`');
  });

  it('name a space of any kind, and give a digit or fullwidth form of another script its ASCII', () => {
    for (const space of [' ', '\u00a0', '\u3000', '\t']) {
      expect(readAnswerCharacter(space)).toEqual({ character: space, space: true });
      expect(noticeCharacter(space, en)).toBe('[space]');
      expect(plainCharacter(space, en)).toBe('[space]');
    }
    expect(noticeCharacter('٧', en)).toBe('`٧` (7)');
    expect(plainCharacter('۴', en)).toBe('۴ (4)');
    expect(plainCharacter('４', en)).toBe('４ (4)');
    expect(plainCharacter('𝟗', en)).toBe('𝟗 (9)');
    expect(plainCharacter('Ａ', en)).toBe('Ａ (A)');
    // What shows nothing on its own is given as its code point.
    expect(noticeCharacter('\u200b', en)).toBe('U+200B');
    expect(plainCharacter('\u0301', en)).toBe('U+0301');
    expect(plainCharacter('\ue000', en)).toBe('U+E000');
    // Letters of other scripts are characters of their own, not another form of an ASCII one.
    expect(plainCharacter('ß', en)).toBe('ß');
    expect(plainCharacter('ж', en)).toBe('ж');
  });

  it("say space in the agent's language", () => {
    expect(plainCharacter(' ', translatorFor('de'))).toBe('[Leerzeichen]');
    expect(noticeCharacter(' ', translatorFor('ja'))).toBe('[スペース]');
  });
});

describe('the values an agent is shown', () => {
  it("read only the answer's own values: a field called toString or constructor left empty is empty", () => {
    const record = { kind: 'form' as const, title: 'Methods', requestId: 'r-1' };
    const fields = ['name', 'toString', 'constructor'].map((id) => ({ id, label: id, offTheRecord: false }));
    const blocks = buildValuesBlocks(en, record, fields, { requestId: 'r-1', values: { name: 'Ada' }, expired: [] });
    expect(blockTexts(blocks)).toEqual(expect.arrayContaining(['name', 'Ada', 'toString', '(empty)', 'constructor']));
    expect(JSON.stringify(blocks)).not.toContain('function');
  });
});
