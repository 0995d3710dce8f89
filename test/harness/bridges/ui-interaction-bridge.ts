/** Modals and contextual bars sent to a user's client, which takes them only under its own rules. */
import type { IUIKitInteraction } from '@rocket.chat/apps-engine/definition/uikit';
import type { IUser } from '@rocket.chat/apps-engine/definition/users';
import { UiInteractionBridge } from '@rocket.chat/apps-engine/server/bridges';

import type { World } from '../world';

export class HarnessUiInteractionBridge extends UiInteractionBridge {
  constructor(private readonly world: World) {
    super();
  }

  protected async notifyUser(user: IUser, interaction: IUIKitInteraction): Promise<void> {
    // The client drops what it did not ask for, or asks for too late or twice (see agent-client.ts).
    const ageMs = this.world.clients.ageOf(interaction.triggerId);
    if (this.world.clients.take(user.id, interaction.triggerId, String(interaction.type)) === undefined) {
      this.world.interactions.push({ userId: user.id, interaction, ageMs });
    }
  }
}
