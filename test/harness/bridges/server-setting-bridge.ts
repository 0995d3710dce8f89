/** Server settings (read-only for the app). */
import type { ISetting } from '@rocket.chat/apps-engine/definition/settings';
import { ServerSettingBridge } from '@rocket.chat/apps-engine/server/bridges';

import type { World } from '../world';

export class HarnessServerSettingBridge extends ServerSettingBridge {
  constructor(private readonly world: World) {
    super();
  }

  protected async getAll(): Promise<ISetting[]> {
    return Array.from(this.world.serverSettings.values());
  }

  protected async getOneById(id: string): Promise<ISetting> {
    return this.world.serverSettings.get(id) as ISetting;
  }

  protected async hideGroup(): Promise<void> {
    return undefined;
  }

  protected async hideSetting(): Promise<void> {
    return undefined;
  }

  protected async isReadableById(id: string): Promise<boolean> {
    return this.world.serverSettings.has(id);
  }

  protected async updateOne(): Promise<void> {
    throw new Error('The app must not change server settings');
  }

  protected async incrementValue(): Promise<void> {
    throw new Error('The app must not change server settings');
  }
}
