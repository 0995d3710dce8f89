/**
 * The app's scheduler jobs as processors: each run gets the accessors of that run as `Deps`. A
 * one-off job's data is stored by Rocket.Chat: IDs and plain settings only, never a value.
 */
import type { IHttp, IModify, IPersistence, IRead } from '@rocket.chat/apps-engine/definition/accessors';
import type { IJobContext, IProcessor } from '@rocket.chat/apps-engine/definition/scheduler';
import { StartupType } from '@rocket.chat/apps-engine/definition/scheduler';

import type { AppRef, Deps } from './deps';

export function oneOffJob(app: AppRef, id: string, run: (deps: Deps, job: IJobContext) => Promise<void>): IProcessor {
  return {
    id,
    processor: (job: IJobContext, read: IRead, modify: IModify, http: IHttp, persis: IPersistence) =>
      run({ app, read, modify, http, persis }, job),
  };
}

/** Recurring jobs run once at once (start-up), then every `interval` (e.g. "1 hour"). */
export function recurringJob(
  app: AppRef,
  id: string,
  interval: string,
  run: (deps: Deps) => Promise<unknown>,
): IProcessor {
  return {
    id,
    startupSetting: { type: StartupType.RECURRING, interval },
    processor: async (_job: object, read: IRead, modify: IModify, http: IHttp, persis: IPersistence) => {
      await run({ app, read, modify, http, persis });
    },
  };
}
