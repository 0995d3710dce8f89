/**
 * The masking rules in force, from the settings. The message hooks run for every message of the
 * workspace, and each setting read is a round trip out of the app's process, so the compiled
 * rules are kept for a few seconds and dropped at once when a masking setting changes here; on
 * another server of a cluster a change takes effect within CACHE_MS.
 */
import type { IRead } from '@rocket.chat/apps-engine/definition/accessors';

import { readMaskingSettings, SettingId } from '../settings/settings';
import type { AdminRuleProblem } from './admin-rules';
import { parseAdminRules } from './admin-rules';
import type { RedactionRule } from './rules';
import { builtinRules } from './rules';

export const CACHE_MS = 10000;

export interface MaskingConfig {
  /** Built-in detectors switched on, then the admin's usable rules. */
  rules: RedactionRule[];
  /** Lines of the admin's rules that could not be used. */
  problems: AdminRuleProblem[];
  notices: boolean;
}

let cached: { config: MaskingConfig; until: number } | undefined;

const MASKING_SETTING_IDS: readonly string[] = [
  SettingId.MaskCards,
  SettingId.MaskCvv,
  SettingId.MaskSsn,
  SettingId.MaskIban,
  SettingId.MaskEmail,
  SettingId.MaskPhone,
  SettingId.MaskingRules,
  SettingId.MaskingNotices,
];

export function isMaskingSetting(id: string): boolean {
  return MASKING_SETTING_IDS.indexOf(id) >= 0;
}

/** Drops the kept rules: the next message reads the settings again. */
export function forgetMaskingConfig(): void {
  cached = undefined;
}

export async function maskingConfig(read: IRead, now: number = Date.now()): Promise<MaskingConfig> {
  if (cached && now < cached.until) {
    return cached.config;
  }
  const settings = await readMaskingSettings(read);
  const admin = parseAdminRules(settings.rules);
  const config: MaskingConfig = {
    rules: [...builtinRules(settings.detectors), ...admin.rules],
    problems: admin.problems,
    notices: settings.notices,
  };
  cached = { config, until: now + CACHE_MS };
  return config;
}
