/** The app's status changes. */
import type { AppStatus } from '@rocket.chat/apps-engine/definition/AppStatus';
import type { ProxiedApp } from '@rocket.chat/apps-engine/server/ProxiedApp';
import { AppActivationBridge } from '@rocket.chat/apps-engine/server/bridges';

export class HarnessActivationBridge extends AppActivationBridge {
  public readonly statuses: AppStatus[] = [];

  protected async appAdded(_app: ProxiedApp): Promise<void> {
    return undefined;
  }

  protected async appUpdated(_app: ProxiedApp): Promise<void> {
    return undefined;
  }

  protected async appRemoved(_app: ProxiedApp): Promise<void> {
    return undefined;
  }

  protected async appStatusChanged(_app: ProxiedApp, status: AppStatus): Promise<void> {
    this.statuses.push(status);
  }

  protected async actionsChanged(): Promise<void> {
    return undefined;
  }
}
