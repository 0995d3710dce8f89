/**
 * Private messages to one user (`notifyUser`): shown to that user only and never stored, so the
 * only place an ID&V answer or an agent-only notice may go.
 */
import type { IRoom } from '@rocket.chat/apps-engine/definition/rooms';
import type { IUser } from '@rocket.chat/apps-engine/definition/users';
import type { LayoutBlock } from '@rocket.chat/ui-kit';

import type { Deps } from './Deps';

export async function notifyPrivately(deps: Deps, user: IUser, room: IRoom, text: string, blocks?: LayoutBlock[]): Promise<void> {
    const builder = deps.modify.getCreator().startMessage().setRoom(room).setText(text).setGroupable(false);
    const appUser = await deps.read.getUserReader().getAppUser();
    if (appUser) {
        builder.setSender(appUser);
    }
    if (blocks && blocks.length > 0) {
        builder.setBlocks(blocks);
    }
    await deps.modify.getNotifier().notifyUser(user, builder.getMessage());
}
