/** The public API endpoints the app registers. */
import { ApiBridge } from '@rocket.chat/apps-engine/server/bridges';
import type { AppApi } from '@rocket.chat/apps-engine/server/managers/AppApi';

export class HarnessApiBridge extends ApiBridge {
  public readonly apis: AppApi[] = [];

  protected async registerApi(api: AppApi): Promise<void> {
    this.apis.push(api);
  }

  protected async unregisterApis(appId: string): Promise<void> {
    for (let i = this.apis.length - 1; i >= 0; i--) {
      if (this.apis[i].appId === appId) {
        this.apis.splice(i, 1);
      }
    }
  }
}
