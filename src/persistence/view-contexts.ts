/**
 * What a modal was opened for. A view submit carries no room, so the room and the agent are kept
 * here, keyed by the view's ID, and read back on submit. Holds no value the visitor typed: the
 * agent's modal input is sent on, never saved.
 */
import type { IPersistence, IPersistenceRead } from '@rocket.chat/apps-engine/definition/accessors';

import { miscKey, roomKey } from './associations';

export type ViewKind = 'idv' | 'form' | 'manager' | 'processor';

export interface ViewContext {
  viewId: string;
  kind: ViewKind;
  roomId: string;
  agentId: string;
  /** The request a manager's reason dialog or a *Send to processor* modal is for. */
  requestId?: string;
  createdAt: number;
  expiresAt: number;
  /** Set by the first accepted submit: a second click on Send sends nothing more. */
  sentAt?: number;
}

/**
 * What is left of a dialog whose chat was closed or forgotten, until the dialog would have
 * expired: enough to tell its agent the chat is closed, nothing of the room or the agent.
 */
export interface ClosedViewContext {
  viewId: string;
  kind: ViewKind;
  expiresAt: number;
  chatClosed: true;
}

const TAG = miscKey('view-context');
const key = (viewId: string) => miscKey(`view:${viewId}`);

export async function saveViewContext(persis: IPersistence, context: ViewContext): Promise<void> {
  await persis.updateByAssociations([key(context.viewId), TAG, roomKey(context.roomId)], context, true);
}

/** The context of a view, or undefined when unknown or expired (expired ones are removed). */
export async function readViewContext(
  reader: IPersistenceRead,
  persis: IPersistence,
  viewId: string,
  now = Date.now(),
): Promise<ViewContext | ClosedViewContext | undefined> {
  const [found] = (await reader.readByAssociation(key(viewId))) as Array<ViewContext | ClosedViewContext>;
  if (!found) {
    return undefined;
  }
  if (found.expiresAt <= now) {
    await persis.removeByAssociation(key(viewId));
    return undefined;
  }
  return found;
}

export async function removeViewContext(persis: IPersistence, viewId: string): Promise<void> {
  await persis.removeByAssociation(key(viewId));
}

/** Drops contexts of dialogs that were opened and never sent, so they do not pile up. */
export async function removeExpiredViewContexts(
  reader: IPersistenceRead,
  persis: IPersistence,
  now = Date.now(),
): Promise<void> {
  const all = (await reader.readByAssociation(TAG)) as Array<ViewContext | ClosedViewContext>;
  await Promise.all(all.filter((c) => c.expiresAt <= now).map((c) => persis.removeByAssociation(key(c.viewId))));
}

/** The rooms of every dialog context the app holds (the sweeper's view). */
export async function roomsWithViewContexts(reader: IPersistenceRead): Promise<string[]> {
  const all = (await reader.readByAssociation(TAG)) as Array<ViewContext | ClosedViewContext>;
  return all.filter((c): c is ViewContext => !('chatClosed' in c)).map((c) => c.roomId);
}

/** Forgets a room's dialogs, leaving each open one a `ClosedViewContext` so its Send can say why. */
export async function closeRoomViewContexts(
  reader: IPersistenceRead,
  persis: IPersistence,
  roomId: string,
  now = Date.now(),
): Promise<void> {
  const open = (await reader.readByAssociations([TAG, roomKey(roomId)])) as ViewContext[];
  await persis.removeByAssociations([TAG, roomKey(roomId)]);
  for (const { viewId, kind, expiresAt, sentAt } of open) {
    if (sentAt || expiresAt <= now) continue;
    const closed: ClosedViewContext = { viewId, kind, expiresAt, chatClosed: true };
    await persis.updateByAssociations([key(viewId), TAG], closed, true);
  }
}
