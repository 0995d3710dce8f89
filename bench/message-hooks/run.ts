/**
 * The message-hook bench: the packaged app in the real Apps-Engine runtime (1.62, its Deno
 * subprocess), driven the way Rocket.Chat drives it around saving a message: the Prevent, Extend
 * and Modify events in turn, each a check round trip into every listening app and, when the check
 * says yes, the hook's; then the post-save event (IPostMessageSent / IPostMessageUpdated), which
 * Rocket.Chat does not wait for but which costs its round trip all the same: awaited here. Times each message's whole sequence, per configuration (which apps
 * listen) and message (scenarios.ts), and reports p50/p99/mean and round trips per message.
 * `bench/message-hooks.js` is the entry point (`npm run bench:hooks`).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { AppStatusUtils } from '@rocket.chat/apps-engine/definition/AppStatus';
import type { IMessage } from '@rocket.chat/apps-engine/definition/messages';
import { AppInterface } from '@rocket.chat/apps-engine/definition/metadata';
import type { IRoom } from '@rocket.chat/apps-engine/definition/rooms';
import type { IUser } from '@rocket.chat/apps-engine/definition/users';

import { EngineHarness } from '../../test/harness/engine';
import { newId } from '../../test/harness/world';
import { emptyHookAppZip } from './empty-hook-app';
import { CONFIGURATIONS, MESSAGES } from './scenarios';
import type { AppUnderTest, HookConfiguration, MessageScenario } from './scenarios';

export interface BenchOptions {
  iterations: number;
  warmup: number;
  rounds: number;
  /** Only configurations / messages whose name contains one of these. */
  configurations?: string[];
  messages?: string[];
  out: string;
}

export interface HookResult {
  configuration: string;
  message: string;
  room: string;
  hook: string;
  chars: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  /** check and hook calls into apps per message, counted from the engine's own log entries. */
  roundTripsPerMessage: number;
  /**
   * CPU time per message of the server process and the apps' Deno processes together: steadier
   * than latency on a shared machine, since waiting for a core does not count.
   */
  cpuMsPerMessage: number;
}

const EVENTS = {
  sent: [AppInterface.IPreMessageSentPrevent, AppInterface.IPreMessageSentExtend, AppInterface.IPreMessageSentModify],
  updated: [
    AppInterface.IPreMessageUpdatedPrevent,
    AppInterface.IPreMessageUpdatedExtend,
    AppInterface.IPreMessageUpdatedModify,
  ],
} as const;

/** The engine's post-save events, which its executeListener starts without awaiting. */
interface PostEvents {
  executePostMessageSent(message: IMessage): Promise<void>;
  executePostMessageUpdated(message: IMessage): Promise<void>;
}

interface Stage {
  harness: EngineHarness;
  appIds: Record<AppUnderTest, string>;
  livechat: IRoom;
  channel: IRoom;
  visitor: IUser;
  member: IUser;
}

async function setUp(): Promise<Stage> {
  const harness = await EngineHarness.boot();
  const zip = emptyHookAppZip();
  const { info } = await harness.manager.getParser().unpackageApp(zip);
  const admin = Array.from(harness.world.users.values()).find((u) => u.username === 'admin') as IUser;
  const added = await harness.manager.add(zip, { enable: false, user: admin, permissionsGranted: info.permissions });
  const emptyApp = added.getApp();
  if (!emptyApp) {
    throw new Error('The empty hook app did not install');
  }
  const agent = harness.world.addAgent('agent.bench');
  const livechat = harness.world.addLivechatRoom({ servedBy: agent });
  const member = harness.world.addUser({ username: 'member.bench' });
  const visitor = harness.world.addUser({ username: 'guest-1', name: 'Guest Visitor' });
  await harness.checkLogs('set-up');
  return {
    harness,
    appIds: { 'this app': harness.appId, 'empty hook app': emptyApp.getID() },
    livechat,
    channel: harness.world.addChannel(member),
    visitor,
    member,
  };
}

async function configure(stage: Stage, configuration: HookConfiguration): Promise<void> {
  const { manager } = stage.harness;
  for (const [app, id] of Object.entries(stage.appIds) as Array<[AppUnderTest, string]>) {
    const enabled = AppStatusUtils.isEnabled(await manager.getOneById(id).getStatus());
    const wanted = configuration.apps.includes(app);
    if (wanted && !enabled) {
      await manager.enable(id);
    } else if (!wanted && enabled) {
      await manager.disable(id);
    }
  }
  for (const [id, value] of Object.entries(configuration.settings || {})) {
    await stage.harness.setSetting(id, value);
  }
  await stage.harness.checkLogs(`configuring "${configuration.name}"`);
}

/** CPU time used so far (ms) by this process and every app's Deno subprocess (Linux /proc). */
function cpuMs(stage: Stage): number {
  const own = process.cpuUsage();
  let total = (own.user + own.system) / 1000;
  for (const id of Object.values(stage.appIds)) {
    const runtime = stage.harness.manager.getOneById(id).getRuntimeController() as unknown as {
      deno?: { pid?: number };
    };
    const pid = runtime.deno?.pid;
    const stat = pid ? `/proc/${pid}/stat` : '';
    if (stat && fs.existsSync(stat)) {
      // Fields after the command name: utime and stime are the 12th and 13th, in clock ticks (100/s).
      const fields = fs.readFileSync(stat, 'utf8').split(') ')[1].split(' ');
      total += (Number(fields[11]) + Number(fields[12])) * 10;
    }
  }
  return total;
}

function messageFor(stage: Stage, scenario: MessageScenario): IMessage {
  const livechat = scenario.room === 'livechat';
  const now = new Date();
  return {
    id: newId('m'),
    room: livechat ? stage.livechat : stage.channel,
    sender: livechat ? stage.visitor : stage.member,
    text: scenario.text,
    createdAt: now,
    ...(scenario.hook === 'updated'
      ? { updatedAt: now, editedAt: now, editor: livechat ? stage.visitor : stage.member }
      : {}),
  };
}

/** One message through the events Rocket.Chat fires before saving it, as the server chains them. */
async function throughHooks(stage: Stage, scenario: MessageScenario): Promise<IMessage> {
  const listeners = stage.harness.manager.getListenerManager();
  const [prevent, extend, modify] = EVENTS[scenario.hook];
  const message = messageFor(stage, scenario);
  if (await listeners.executeListener(prevent, message)) {
    throw new Error(`An app prevented "${scenario.name}"`);
  }
  const extended = (await listeners.executeListener(extend, message)) as IMessage;
  const saved = (await listeners.executeListener(modify, extended)) as IMessage;
  const post = listeners as unknown as PostEvents;
  await (scenario.hook === 'sent' ? post.executePostMessageSent(saved) : post.executePostMessageUpdated(saved));
  return saved;
}

function expectedText(configuration: HookConfiguration, scenario: MessageScenario): string {
  if (!configuration.apps.includes('this app')) {
    return scenario.text;
  }
  if (configuration.rulesOn && scenario.expectWithRulesOn !== undefined) {
    return scenario.expectWithRulesOn;
  }
  return scenario.expectMaskedByThisApp || scenario.text;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const round3 = (n: number): number => Math.round(n * 1000) / 1000;

async function measure(
  stage: Stage,
  configuration: HookConfiguration,
  scenarios: MessageScenario[],
  options: BenchOptions,
): Promise<HookResult[]> {
  const samples = new Map<MessageScenario, number[]>(scenarios.map((s) => [s, []]));
  const roundTrips = new Map<MessageScenario, number>(scenarios.map((s) => [s, 0]));
  const cpu = new Map<MessageScenario, number>(scenarios.map((s) => [s, 0]));
  for (const scenario of scenarios) {
    for (let i = 0; i < options.warmup; i++) {
      const out = await throughHooks(stage, scenario);
      if (i === 0 && out.text !== expectedText(configuration, scenario)) {
        throw new Error(`"${configuration.name}" left "${scenario.name}" as ${JSON.stringify(out.text).slice(0, 200)}`);
      }
    }
  }
  await stage.harness.checkLogs(`warm-up of "${configuration.name}"`);
  // Rounds over the messages, so a noisy moment on a shared machine spreads over all of them.
  const batch = Math.ceil(options.iterations / options.rounds);
  for (let round = 0; round < options.rounds; round++) {
    for (const scenario of scenarios) {
      const logsBefore = stage.harness.logs.entries.length;
      const cpuBefore = cpuMs(stage);
      const times = samples.get(scenario) as number[];
      for (let i = 0; i < batch; i++) {
        const started = process.hrtime.bigint();
        await throughHooks(stage, scenario);
        times.push(Number(process.hrtime.bigint() - started) / 1e6);
      }
      cpu.set(scenario, (cpu.get(scenario) as number) + cpuMs(stage) - cpuBefore);
      const calls = stage.harness.logs.entries
        .slice(logsBefore)
        .filter((e) => /^app:(check|execute)(Pre|Post)Message/.test(e.method)).length;
      roundTrips.set(scenario, (roundTrips.get(scenario) as number) + calls);
      await stage.harness.checkLogs(`"${configuration.name}" / "${scenario.name}"`);
    }
  }
  return scenarios.map((scenario) => {
    const sorted = (samples.get(scenario) as number[]).sort((a, b) => a - b);
    return {
      configuration: configuration.name,
      message: scenario.name,
      room: scenario.room,
      hook: scenario.hook,
      chars: scenario.text.length,
      p50Ms: round3(percentile(sorted, 50)),
      p99Ms: round3(percentile(sorted, 99)),
      meanMs: round3(sorted.reduce((a, b) => a + b, 0) / sorted.length),
      roundTripsPerMessage: round3((roundTrips.get(scenario) as number) / sorted.length),
      cpuMsPerMessage: round3((cpu.get(scenario) as number) / sorted.length),
    };
  });
}

const picked = <T extends { name: string }>(items: T[], names?: string[]): T[] =>
  names ? items.filter((item) => names.some((n) => item.name.includes(n))) : items;

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows
    .map((r) => r.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '))
    .join('\n');
}

/** The table of results, then what each configuration adds to "no app" (difference of percentiles). */
export function report(results: HookResult[]): string {
  const f = (n: number): string => n.toFixed(3);
  const lines = [
    table([
      ['configuration', 'message', 'chars', 'p50 ms', 'p99 ms', 'mean ms', 'CPU ms', 'round trips'],
      ...results.map((r) => [
        r.configuration,
        r.message,
        String(r.chars),
        f(r.p50Ms),
        f(r.p99Ms),
        f(r.meanMs),
        f(r.cpuMsPerMessage),
        r.roundTripsPerMessage.toFixed(2),
      ]),
    ]),
  ];
  const base = new Map(results.filter((r) => r.configuration === 'no app').map((r) => [r.message, r]));
  const added = results.filter((r) => r.configuration !== 'no app' && base.has(r.message));
  if (added.length) {
    lines.push(
      '',
      'added latency per message (configuration minus "no app"):',
      table([
        ['configuration', 'message', 'p50 ms', 'p99 ms', 'CPU ms'],
        ...added.map((r) => {
          const b = base.get(r.message) as HookResult;
          return [
            r.configuration,
            r.message,
            f(r.p50Ms - b.p50Ms),
            f(r.p99Ms - b.p99Ms),
            f(r.cpuMsPerMessage - b.cpuMsPerMessage),
          ];
        }),
      ]),
    );
  }
  return lines.join('\n');
}

export async function runBench(options: BenchOptions): Promise<HookResult[]> {
  const configurations = picked(CONFIGURATIONS, options.configurations);
  const scenarios = picked(MESSAGES, options.messages);
  const stage = await setUp();
  const results: HookResult[] = [];
  try {
    for (const configuration of configurations) {
      await configure(stage, configuration);
      process.stdout.write(`measuring "${configuration.name}"…\n`);
      results.push(...(await measure(stage, configuration, scenarios, options)));
    }
  } finally {
    await stage.harness.shutdown();
  }
  fs.writeFileSync(
    options.out,
    `${JSON.stringify(
      {
        at: new Date().toISOString(),
        node: process.version,
        engine: '@rocket.chat/apps-engine 1.62.0 (Deno runtime)',
        cpus: os.cpus().length,
        loadAverageAtEnd: os.loadavg().map((l) => Math.round(l * 100) / 100),
        iterations: options.iterations,
        warmup: options.warmup,
        results,
      },
      null,
      2,
    )}\n`,
  );
  process.stdout.write(`${report(results)}\n\nwritten: ${path.relative(process.cwd(), options.out)}\n`);
  return results;
}
