/** What every handler gets: the app (for its ID and logger) and the accessors of the current call. */
import type { IHttp, ILogger, IModify, IPersistence, IRead } from '@rocket.chat/apps-engine/definition/accessors';

export interface AppRef {
  getID(): string;
  getLogger(): ILogger;
}

export interface Deps {
  app: AppRef;
  read: IRead;
  modify: IModify;
  http: IHttp;
  persis: IPersistence;
}
