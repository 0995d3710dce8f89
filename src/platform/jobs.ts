/**
 * The app's scheduler jobs as processors: each run gets the accessors of that run as `Deps`. A
 * one-off job's data is stored by Rocket.Chat: IDs and plain settings only, never a value.
 */
import type { IHttp, IModify, IPersistence, IRead } from '@rocket.chat/apps-engine/definition/accessors';
import type { IJobContext, IProcessor } from '@rocket.chat/apps-engine/definition/scheduler';
import { StartupType } from '@rocket.chat/apps-engine/definition/scheduler';

import type { AppRef, Deps } from './deps';

/**
 * Rocket.Chat runs the jobs of one processor one at a time on a server (its scheduler bridge gives
 * Agenda `defaultConcurrency: 1`): one chat's job waiting on a slow vault or payment processor would
 * hold up every other chat's. So each one-off job has a few processors, its lanes, and a chat keeps
 * to one lane, which also keeps that chat's jobs in order.
 */
export const JOB_LANES = 4;

/** The processor ID of a lane; lane 0 keeps the plain ID, so jobs queued before an upgrade still run. */
function laneId(id: string, lane: number): string {
  return lane === 0 ? id : `${id}-${lane}`;
}

/** The lane a chat's jobs take: the same for a key, spread across the lanes for many keys. */
export function laneOf(key: string): number {
  let hash = 0;
  for (let i = 0; i < key.length; i += 1) {
    hash = (Math.imul(hash, 31) + key.charCodeAt(i)) >>> 0;
  }
  return hash % JOB_LANES;
}

/**
 * The app a run logs through. The engine calls a processor with `this` bound to the app wrapped
 * for that run, whose logger is the run's own: the app captured at start-up would log into a logger
 * whose lines were sent long ago, and every line of the job would be lost to the admin.
 */
function appOfRun(runApp: AppRef | undefined, app: AppRef): AppRef {
  return runApp ?? app;
}

/** The processors of a one-off job, one per lane, all running `run`. */
export function oneOffJobs(
  app: AppRef,
  id: string,
  run: (deps: Deps, job: IJobContext) => Promise<void>,
): IProcessor[] {
  return Array.from({ length: JOB_LANES }, (_, lane) => ({
    id: laneId(id, lane),
    processor(
      this: AppRef | undefined,
      job: IJobContext,
      read: IRead,
      modify: IModify,
      http: IHttp,
      persis: IPersistence,
    ) {
      return run({ app: appOfRun(this, app), read, modify, http, persis }, job);
    },
  }));
}

/** Schedules a one-off job to run now, in the lane of `laneKey` (the chat's room ID). */
export async function scheduleOneOff(deps: Deps, id: string, laneKey: string, data: object): Promise<void> {
  await deps.modify.getScheduler().scheduleOnce({ id: laneId(id, laneOf(laneKey)), when: new Date(), data });
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
    async processor(
      this: AppRef | undefined,
      _job: object,
      read: IRead,
      modify: IModify,
      http: IHttp,
      persis: IPersistence,
    ) {
      await run({ app: appOfRun(this, app), read, modify, http, persis });
    },
  };
}
