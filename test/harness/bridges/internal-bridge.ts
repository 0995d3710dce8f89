/** What the engine asks the host for itself. */
import type { ISetting } from '@rocket.chat/apps-engine/definition/settings';
import { InternalBridge } from '@rocket.chat/apps-engine/server/bridges/InternalBridge';

import type { World } from '../world';

export class HarnessInternalBridge extends InternalBridge {
  constructor(private readonly world: World) {
    super();
  }

  protected async getUsernamesOfRoomById(roomId: string): Promise<string[]> {
    return this.world.rooms.get(roomId)?.usernames || [];
  }

  protected getUsernamesOfRoomByIdSync(roomId: string): string[] {
    return this.world.rooms.get(roomId)?.usernames || [];
  }

  protected async getWorkspacePublicKey(): Promise<ISetting> {
    return undefined as unknown as ISetting;
  }
}
