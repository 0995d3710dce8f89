/**
 * `/masking-counts [days]`, for admins: how often each masking rule fired in the last days, per
 * day and room, and the lines of the admin's rules that cannot be used. Counts only: the app never
 * kept what was masked. Shown privately to the admin who asked.
 */
import type { IRoom } from '@rocket.chat/apps-engine/definition/rooms';
import type { IUser } from '@rocket.chat/apps-engine/definition/users';

import type { Translator } from '../i18n/i18n';
import { translatorFor } from '../i18n/i18n';
import { listProblems } from '../lib/admin-problems';
import { parseWholeNumber } from '../lib/validation';
import type { MaskingCount } from '../persistence/masking-counts';
import { COUNT_RETENTION_DAYS, readMaskingCounts, utcDay } from '../persistence/masking-counts';
import type { Deps } from '../platform/deps';
import { localeForUser } from '../platform/locale';
import { notifyPrivately } from '../platform/notify';
import type { AdminRuleProblem, AdminRuleProblemCode } from './admin-rules';
import { maskingConfig } from './masking-config';

export const DEFAULT_REPORT_DAYS = 7;
/** Room lines shown at most; the totals above them always cover every room. */
const MAX_ROOM_LINES = 50;

const PROBLEM_KEYS: { [code in AdminRuleProblemCode]: string } = {
  format: 'masking_rule_problem_format',
  id: 'masking_rule_problem_id',
  duplicate: 'masking_rule_problem_duplicate',
  replacement: 'masking_rule_problem_replacement',
  directions: 'masking_rule_problem_directions',
  pattern: 'masking_rule_problem_pattern',
  too_many: 'masking_rule_problem_too_many',
  too_complex: 'masking_rule_problem_too_complex',
};

/** One line per unusable rule, in the admin's language; a long list is cut short. */
export function describeRuleProblems(problems: readonly AdminRuleProblem[], t: Translator): string {
  return listProblems(
    problems,
    (p) => t(PROBLEM_KEYS[p.code], { line: p.line, value: p.value === undefined ? '' : p.value }),
    t,
  );
}

function describeCounts(counts: { [ruleId: string]: number }): string {
  return Object.keys(counts)
    .sort()
    .map((id) => `${id} ${counts[id]}`)
    .join(', ');
}

/** The report's text for the counts kept, over the `days` up to `today`. */
export function maskingCountsReport(
  all: readonly MaskingCount[],
  days: number,
  today: Date,
  t: Translator,
  problems: readonly AdminRuleProblem[],
): string {
  const since = utcDay(new Date(today.getTime() - (days - 1) * 86400000));
  const recent = all.filter((c) => c.day >= since);
  const totals: { [ruleId: string]: number } = {};
  recent.forEach((c) => Object.keys(c.counts).forEach((id) => (totals[id] = (totals[id] || 0) + c.counts[id])));
  const lines = [t('masking_counts_title', { days, since })];
  if (recent.length === 0) {
    lines.push(t('masking_counts_none'));
  } else {
    lines.push(t('masking_counts_total', { counts: describeCounts(totals) }));
    recent
      .slice(-MAX_ROOM_LINES)
      .forEach((c) =>
        lines.push(t('masking_counts_line', { day: c.day, room: c.roomId, counts: describeCounts(c.counts) })),
      );
  }
  if (problems.length > 0) {
    lines.push(t('masking_rules_invalid_admin', { problems: describeRuleProblems(problems, t) }));
  }
  return lines.join('\n');
}

/** The days the admin asked for (none: the default), or undefined when the arguments are not that. */
export function reportDays(args: string[]): number | undefined {
  if (args.length === 0) return DEFAULT_REPORT_DAYS;
  const asked = args.length === 1 ? parseWholeNumber(args[0]) : undefined;
  return asked !== undefined && asked >= 1 && asked <= COUNT_RETENTION_DAYS ? asked : undefined;
}

export async function showMaskingCounts(deps: Deps, user: IUser, room: IRoom, args: string[]): Promise<void> {
  const t = translatorFor(await localeForUser(deps.read, user));
  // Server-side: the command's permission is a hint the client alone applies.
  if ((user.roles || []).indexOf('admin') < 0) {
    await notifyPrivately(deps, user, room, t('error_admins_only'));
    return;
  }
  const days = reportDays(args);
  if (days === undefined) {
    const bounds = { max: COUNT_RETENTION_DAYS, default: DEFAULT_REPORT_DAYS };
    await notifyPrivately(deps, user, room, t('masking_counts_bad_days', bounds));
    return;
  }
  const counts = await readMaskingCounts(deps.read.getPersistenceReader());
  const { problems } = await maskingConfig(deps.read);
  await notifyPrivately(deps, user, room, maskingCountsReport(counts, days, new Date(), t, problems));
}
