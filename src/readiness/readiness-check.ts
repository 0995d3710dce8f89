/**
 * The PCI DSS 4.0.1 readiness check for administrators: on demand (`/idv-readiness`, a private
 * notice) and on a schedule (at start-up and hourly; the app hears changes only to its own
 * settings, so it re-reads the workspace's). The scheduled run notifies the administrators who
 * asked before, and only when a verdict changed. It never blocks agents: it informs the admin.
 */
import type { IRoom } from '@rocket.chat/apps-engine/definition/rooms';
import type { IUser } from '@rocket.chat/apps-engine/definition/users';
import type { IProcessor } from '@rocket.chat/apps-engine/definition/scheduler';

import { translatorFor } from '../i18n/i18n';
import type { ReadinessInput, ReadinessItem, ServerSettingId } from '../lib/readiness';
import { evaluateReadiness, fingerprint, readinessText, SERVER_SETTING_IDS } from '../lib/readiness';
import { recurringJob } from '../platform/jobs';
import type { AppRef, Deps } from '../platform/deps';
import { localeForUser } from '../platform/locale';
import { notifyPrivately } from '../platform/notify';
import { readReadinessState, saveReadinessState } from '../persistence/readiness-state';
import { maskingConfig } from '../redaction/masking-config';
import { readAppConfig } from '../settings/settings';
import { isVaultCallError } from '../vault/vault-call-error';
import { connectionSettingProblems } from '../settings/vault-settings-check';
import { vaultClient } from '../requests/send-context';

export const READINESS_JOB_ID = 'readiness-check';
export const READINESS_INTERVAL = '1 hour';
/** Who may run the check and get its notices; the server checks it here. */
export const READINESS_ROLE = 'admin';

/** A Rocket.Chat setting the app cannot read counts as unknown, never as a pass. */
async function serverSettings(deps: Deps): Promise<ReadinessInput['server']> {
  const reader = deps.read.getEnvironmentReader().getServerSettings();
  const values: ReadinessInput['server'] = {};
  for (const id of SERVER_SETTING_IDS) {
    try {
      values[id as ServerSettingId] = await reader.getValueById(id);
    } catch {
      values[id as ServerSettingId] = undefined;
    }
  }
  return values;
}

/** Reads everything the check judges and judges it. */
export async function checkReadiness(deps: Deps): Promise<ReadinessItem[]> {
  const config = await readAppConfig(deps.read);
  const vault: ReadinessInput['vault'] = { reachable: false };
  const problems = connectionSettingProblems(config);
  if (problems.length > 0) {
    vault.settingsProblem = problems.join('; ');
  } else {
    try {
      vault.posture = await vaultClient(deps, config).compliance();
      vault.reachable = true;
    } catch (err) {
      vault.problem = isVaultCallError(err) ? err.code : 'unexpected error';
    }
  }
  return evaluateReadiness({
    server: await serverSettings(deps),
    app: {
      viewingMode: config.viewingMode,
      managersMayViewValues: config.managersMayViewValues,
      vaultUrl: config.vaultUrl,
      masksCards: (await maskingConfig(deps.read)).rules.some((rule) => rule.id === 'card'),
    },
    vault,
  });
}

const isAdmin = (user: IUser | undefined) => Boolean(user && (user.roles || []).indexOf(READINESS_ROLE) >= 0);

/** `/idv-readiness`: the report by private notice; the caller gets later changes too. */
export async function runReadinessCommand(deps: Deps, user: IUser, room: IRoom): Promise<void> {
  if (!isAdmin(user)) {
    const t = translatorFor(await localeForUser(deps.read, user));
    deps.app.getLogger().warn({ msg: 'Readiness check refused: not an administrator', userId: user.id });
    return notifyPrivately(deps, user, room, t('readiness_admins_only'));
  }
  const items = await checkReadiness(deps);
  const state = await readReadinessState(deps.read.getPersistenceReader());
  const subscribers = state.subscribers
    .filter((s) => s.userId !== user.id)
    .concat({ userId: user.id, roomId: room.id });
  await saveReadinessState(deps.persis, { fingerprint: fingerprint(items), subscribers });
  await notifyPrivately(deps, user, room, readinessText(items));
}

/** The scheduled run: notifies the administrators who asked before, only when a verdict changed. */
export async function scheduledReadinessCheck(deps: Deps): Promise<boolean> {
  const items = await checkReadiness(deps);
  const state = await readReadinessState(deps.read.getPersistenceReader());
  const now = fingerprint(items);
  if (state.fingerprint === now) {
    return false;
  }
  await saveReadinessState(deps.persis, { ...state, fingerprint: now });
  deps.app.getLogger().info({
    msg: 'PCI DSS readiness changed',
    verdicts: items.map((item) => `${item.requirement} ${item.id}: ${item.verdict}`),
  });
  if (state.fingerprint === undefined) {
    return true;
  }
  for (const subscriber of state.subscribers) {
    const user = await deps.read.getUserReader().getById(subscriber.userId);
    const room = await deps.read.getRoomReader().getById(subscriber.roomId);
    if (!isAdmin(user) || !room) {
      continue;
    }
    const t = translatorFor(await localeForUser(deps.read, user));
    await notifyPrivately(deps, user, room, `${t('readiness_changed')}\n${readinessText(items)}`);
  }
  return true;
}

export function readinessJobProcessor(app: AppRef): IProcessor {
  return recurringJob(app, READINESS_JOB_ID, READINESS_INTERVAL, scheduledReadinessCheck);
}
