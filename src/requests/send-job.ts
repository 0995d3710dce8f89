/**
 * Sending after the modal closed. Rocket.Chat's client waits 5 s for the answer to a submit; the
 * vault may take longer. So the submit only validates, marks the dialog sent and schedules this
 * one-off job, then answers at once; the job asks the vault and posts. The job's data is stored by
 * the scheduler: the question, its positions and the form's fields, nothing a visitor typed.
 */
import type { IJobContext, IProcessor } from '@rocket.chat/apps-engine/definition/scheduler';

import { oneOffJobs, scheduleOneOff } from '../platform/jobs';
import type { AppRef, Deps } from '../platform/deps';
import type { OutgoingRequest } from './send-request';
import { sendSecureRequest } from './send-request';
import { beginSend } from './send-context';

export const SEND_JOB_ID = 'send-request';

/** What one submit asks to send, as the job's data. */
export type ScheduledSend = OutgoingRequest;

interface SendJobData {
  roomId: string;
  agentId: string;
  outgoing: ScheduledSend;
}

export async function scheduleSend(
  deps: Deps,
  roomId: string,
  agentId: string,
  outgoing: ScheduledSend,
): Promise<void> {
  const data: SendJobData = { roomId, agentId, outgoing };
  await scheduleOneOff(deps, SEND_JOB_ID, roomId, data);
}

/** Runs the send with fresh checks: the chat may have closed or moved since the submit. */
export async function runSendJob(deps: Deps, job: IJobContext): Promise<void> {
  const { roomId, agentId, outgoing } = job as unknown as SendJobData;
  const agent = await deps.read.getUserReader().getById(agentId);
  if (!agent) {
    return;
  }
  const sending = await beginSend(deps, agent, roomId);
  if (sending) {
    await sendSecureRequest(deps, sending, outgoing);
  }
}

export function sendJobProcessors(app: AppRef): IProcessor[] {
  return oneOffJobs(app, SEND_JOB_ID, runSendJob);
}
