import type { IPersistence } from '@rocket.chat/apps-engine/definition/accessors';
import type { RocketChatAssociationRecord } from '@rocket.chat/apps-engine/definition/metadata';

import { translatorFor } from '../../src/i18n/i18n';
import { pruneMaskingCounts } from '../../src/persistence/masking-counts';
import { maskingCountsReport, reportDays } from '../../src/redaction/counts-report';

describe('masking counts', () => {
  it('are pruned by day once past their 90 days, a sweep missed for two weeks included', async () => {
    const removed: string[] = [];
    const persis = {
      removeByAssociation: async (key: RocketChatAssociationRecord) => {
        removed.push(key.getID());
        return [];
      },
    } as unknown as IPersistence;
    await pruneMaskingCounts(persis, new Date('2026-11-30T10:00:00Z'));
    expect(removed[0]).toBe('masking-count-day:2026-08-31');
    expect(removed[removed.length - 1]).toBe('masking-count-day:2026-08-18');
    expect(removed).toHaveLength(14);
  });

  it('are reported per rule, room and day, with totals and the rules that cannot be used', () => {
    const t = translatorFor('en');
    const report = maskingCountsReport(
      [
        { day: '2026-11-20', roomId: 'old', counts: { card: 9 } },
        { day: '2026-11-29', roomId: 'r1', counts: { card: 2, ssn: 1 } },
        { day: '2026-11-30', roomId: 'r2', counts: { card: 1, 'account:timed-out': 1 } },
      ],
      7,
      new Date('2026-11-30T10:00:00Z'),
      t,
      [{ line: 3, code: 'directions', value: 'everyone' }],
    );
    expect(report.split('\n')).toEqual([
      'Masking rules fired in the last 7 days (since 2026-11-24, UTC): counts only, never what was masked.',
      'All chats: account:timed-out 1, card 3, ssn 1',
      '2026-11-29 · chat r1: card 2, ssn 1',
      '2026-11-30 · chat r2: account:timed-out 1, card 1',
      'Some custom masking rules cannot be used and are skipped; the others work:',
      'line 3: the directions "everyone" must be visitor, agent or both',
    ]);
  });

  it('are reported for 1 to 90 days, 7 when none is asked, and refuse anything else', () => {
    expect([[], ['1'], ['07'], ['90']].map(reportDays)).toEqual([7, 1, 7, 90]);
    const refused = [['0'], ['91'], ['-3'], ['2.5'], ['seven'], ['٧'], ['1e2'], ['7', 'days'], ['9'.repeat(20)]];
    expect(refused.map(reportDays)).toEqual(refused.map(() => undefined));
  });
});
