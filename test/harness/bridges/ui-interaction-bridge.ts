/** Modals and contextual bars sent to a user's client. */
import type { IUIKitInteraction } from '@rocket.chat/apps-engine/definition/uikit';
import type { IUser } from '@rocket.chat/apps-engine/definition/users';
import { UiInteractionBridge } from '@rocket.chat/apps-engine/server/bridges';

import type { World } from '../world';

export class HarnessUiInteractionBridge extends UiInteractionBridge {
  constructor(private readonly world: World) {
    super();
  }

  protected async notifyUser(user: IUser, interaction: IUIKitInteraction): Promise<void> {
    this.world.interactions.push({ userId: user.id, interaction });
  }
}
