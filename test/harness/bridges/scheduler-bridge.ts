/**
 * The scheduler (Rocket.Chat runs Agenda on MongoDB). One-off jobs run when they are due; recurring
 * jobs are recorded and run when a test says so (`runRecurring`), so time never has to pass. Every
 * job's data is kept: it is stored in the server's database, so it is part of the leak scan.
 * As on the server (its scheduler bridge gives Agenda `defaultConcurrency: 1`), the jobs of one
 * processor run one at a time on an instance: a second waits until the first has finished.
 */
import type { IOnetimeSchedule, IProcessor, IRecurringSchedule } from '@rocket.chat/apps-engine/definition/scheduler';
import { SchedulerBridge } from '@rocket.chat/apps-engine/server/bridges';

import type { World } from '../world';
import { newId } from '../world';

export interface RecordedJob {
  id: string;
  kind: 'onetime' | 'recurring';
  data?: object;
  interval?: string | number;
}

/** `when` as Agenda reads it: a date, or "now"; anything else is run at once too. */
function delayOf(when: string | Date): number {
  const at = when instanceof Date ? when.getTime() : Date.parse(when);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : 0;
}

export class HarnessSchedulerBridge extends SchedulerBridge {
  private readonly processors = new Map<string, IProcessor>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();
  private readonly recurring = new Map<string, RecordedJob>();
  /** The last job of each processor, queued or running: the next one starts when it ends. */
  private readonly lanes = new Map<string, Promise<void>>();

  constructor(
    private readonly world: World,
    private readonly onFailure: (what: string) => void,
  ) {
    super();
  }

  protected async registerProcessors(processors: IProcessor[]): Promise<string[]> {
    for (const processor of processors) {
      this.processors.set(processor.id, processor);
      const startup = processor.startupSetting;
      if (startup && startup.type === 'recurring') {
        await this.scheduleRecurring({ id: processor.id, interval: startup.interval, data: startup.data });
      } else if (startup && startup.type === 'onetime') {
        await this.scheduleOnce({ id: processor.id, when: startup.when, data: startup.data });
      }
    }
    return processors.map((p) => p.id);
  }

  protected async scheduleOnce(job: IOnetimeSchedule): Promise<string> {
    const jobId = newId('job');
    this.world.scheduledJobs.push({ id: job.id, kind: 'onetime', data: job.data });
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.run(job.id, { ...(job.data || {}), jobId });
    }, delayOf(job.when));
    this.timers.add(timer);
    return jobId;
  }

  protected async scheduleRecurring(job: IRecurringSchedule): Promise<string> {
    const recorded: RecordedJob = { id: job.id, kind: 'recurring', data: job.data, interval: job.interval };
    this.world.scheduledJobs.push(recorded);
    this.recurring.set(job.id, recorded);
    return job.id;
  }

  protected async cancelJob(jobId: string): Promise<void> {
    this.recurring.delete(jobId);
  }

  protected async cancelAllJobs(): Promise<void> {
    this.recurring.clear();
    this.timers.forEach((t) => clearTimeout(t));
    this.timers.clear();
  }

  /** The recurring jobs scheduled now, by processor ID (with the app ID suffix the engine adds). */
  public recurringJobs(): RecordedJob[] {
    return Array.from(this.recurring.values());
  }

  /** Runs a recurring job once, as Agenda would when its interval comes round. */
  public async runRecurring(idPrefix: string): Promise<void> {
    const job = this.recurringJobs().find((j) => j.id.startsWith(idPrefix));
    if (!job) {
      throw new Error(`No recurring job ${idPrefix} is scheduled`);
    }
    await this.run(job.id, { ...(job.data || {}), jobId: job.id });
  }

  /** Waits until no one-off job is due or running. */
  public async settled(): Promise<void> {
    while (this.timers.size > 0 || this.running.size > 0) {
      await Promise.all(Array.from(this.running));
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  private run(processorId: string, context: object): Promise<void> {
    const processor = this.processors.get(processorId);
    const previous = this.lanes.get(processorId) || Promise.resolve();
    const run = previous.then(async () => {
      if (!processor) {
        this.onFailure(`scheduler: no processor ${processorId}`);
        return;
      }
      const startedAt = Date.now();
      try {
        await (processor.processor as unknown as (context: object) => Promise<void>)(context);
      } catch (err) {
        this.onFailure(`scheduler job ${processorId}: ${err instanceof Error ? err.message : JSON.stringify(err)}`);
      } finally {
        this.world.jobRuns.push({ id: processorId, startedAt, endedAt: Date.now() });
      }
    });
    this.lanes.set(processorId, run);
    this.running.add(run);
    void run.finally(() => {
      this.running.delete(run);
      if (this.lanes.get(processorId) === run) this.lanes.delete(processorId);
    });
    return run;
  }
}
